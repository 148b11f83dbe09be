package amalgam.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Fills the run-time fields of the composed {@code hydra} node as Hydra does after composing
 * (ConfigLoaderImpl._load_configuration_impl): the overrides, the chosen options, the working directory, the job's
 * name, number and config name, {@code override_dirname}, the mode, and the output directory (left as an
 * interpolation of {@code hydra.run.dir} or {@code hydra.sweep.dir/subdir}, which Hydra resolves at launch).
 */
final class HydraNode {
    /** The Hydra release whose semantics amalgam follows, reported in {@code hydra.runtime.version}. */
    static final String HYDRA_VERSION = "1.3.2";

    private HydraNode() {
    }

    static void fill(Map<String, Object> config, String configName, List<HydraOverride> overrides, Map<String, String> choices,
                     HydraRuntime runtime, ConfigSearchPath searchPath) {
        Map<String, Object> hydra = map(config, "hydra");
        Map<String, Object> overridesNode = map(hydra, "overrides");
        List<Object> hydraOverrides = list(overridesNode, "hydra");
        List<Object> taskOverrides = list(overridesNode, "task");
        List<HydraOverride> appOverrides = new ArrayList<>();
        for (HydraOverride override : overrides) {
            if (override.isHydraOverride()) {
                hydraOverrides.add(override.text());
            } else {
                taskOverrides.add(override.text());
                appOverrides.add(override);
            }
        }
        Map<String, Object> job = map(hydra, "job");
        Map<String, Object> run = map(hydra, "runtime");
        map(run, "choices").putAll(choices);
        Map<String, Object> envSet = map(job, "env_set");
        for (Object key : list(job, "env_copy")) {
            envSet.put(String.valueOf(key), runtime.environment().get(String.valueOf(key)));
        }
        run.put("version", HYDRA_VERSION);
        run.put("version_base", "1.3");
        run.put("cwd", runtime.cwd().toString());
        List<Object> sources = new ArrayList<>();
        for (ConfigSearchPath.Root root : searchPath.roots()) {
            Map<String, Object> source = new LinkedHashMap<>();
            int scheme = root.location().indexOf("://");
            source.put("path", root.location().substring(scheme + 3));
            source.put("schema", root.location().substring(0, scheme));
            source.put("provider", root.provider());
            sources.add(source);
        }
        run.put("config_sources", sources);
        run.put("output_dir", runtime.multirun() ? "${hydra.sweep.dir}/${hydra.sweep.subdir}" : "${hydra.run.dir}");
        if (!job.containsKey("name") || Missing.is(job.get("name"))) {
            job.put("name", runtime.jobName());
        }
        job.put("override_dirname", overrideDirname(appOverrides, job));
        job.put("config_name", configName);
        job.put("num", runtime.jobNumber());
        job.put("id", String.valueOf(runtime.jobNumber()));
        hydra.put("mode", runtime.multirun() ? "MULTIRUN" : "RUN");
    }

    /** The app's overrides sorted and joined ({@code a=1,b=2}), as Hydra names sweep sub-directories. */
    private static String overrideDirname(List<HydraOverride> overrides, Map<String, Object> job) {
        Map<String, Object> settings = map(map(job, "config"), "override_dirname");
        String kvSep = String.valueOf(settings.getOrDefault("kv_sep", "="));
        String itemSep = String.valueOf(settings.getOrDefault("item_sep", ","));
        List<Object> exclude = settings.get("exclude_keys") instanceof List<?> keys ? new ArrayList<>(keys) : List.of();
        return overrides.stream().filter(o -> !exclude.contains(o.key())).map(HydraOverride::text).sorted()
                .collect(Collectors.joining(itemSep)).replace("=", kvSep);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        if (parent.get(key) instanceof Map<?, ?> existing) {
            return (Map<String, Object>) existing;
        }
        Map<String, Object> created = new LinkedHashMap<>();
        parent.put(key, created);
        return created;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> parent, String key) {
        if (parent.get(key) instanceof List<?> existing) {
            return (List<Object>) existing;
        }
        List<Object> created = new ArrayList<>();
        parent.put(key, created);
        return created;
    }
}

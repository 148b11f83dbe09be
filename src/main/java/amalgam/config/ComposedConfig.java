package amalgam.config;

import amalgam.UserInputException;
import amalgam.io.YamlDocuments;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A composed config: the merged tree (with the {@code hydra} node), the final defaults list, and the option chosen
 * for every config group. Interpolations are resolved on request, over the whole tree, with the run's
 * {@link HydraRuntime}; every call returns fresh copies the caller may change.
 */
public final class ComposedConfig {
    private final Map<String, Object> tree;
    private final DefaultsList.Result defaults;
    private final String configName;
    private final HydraRuntime runtime;
    private final ConfigSearchPath searchPath;

    ComposedConfig(Map<String, Object> tree, DefaultsList.Result defaults, String configName, HydraRuntime runtime,
                   ConfigSearchPath searchPath) {
        this.tree = tree;
        this.defaults = defaults;
        this.configName = configName;
        this.runtime = runtime;
        this.searchPath = searchPath;
    }

    /** The whole tree, {@code hydra} node included, interpolations unresolved, MISSING as {@code ???}. */
    public Map<String, Object> tree() {
        return YamlDocuments.copyOf(tree);
    }

    /** The job's config: the tree without the {@code hydra} node, unresolved (what {@code --cfg job} prints). */
    public Map<String, Object> job() {
        Map<String, Object> job = tree();
        job.remove("hydra");
        return job;
    }

    /**
     * The job's config with every interpolation resolved (they may read the {@code hydra} node); a MISSING value
     * anywhere is an error naming its key.
     */
    public Map<String, Object> resolved() {
        Map<String, Object> resolved = resolvedAllowingMissing();
        firstMissing(resolved, "").ifPresent(key -> {
            throw new UserInputException("config key '" + key + "' is missing (???); set it, e.g. " + key
                    + "=VALUE on the command line");
        });
        return resolved;
    }

    /** {@link #resolved()}, but MISSING values stay, as {@link Missing#VALUE}; reading one through an interpolation is still an error. */
    public Map<String, Object> resolvedAllowingMissing() {
        return resolvedTree(false);
    }

    /** The resolved value at a dotted key ({@code path.log_dir}, {@code hydra.run.dir}); absent or MISSING is an error. */
    public Object select(String key) {
        Object value = ConfigMerge.copy(new ConfigResolver(tree, runtime).resolve(KeyPath.split(key)));
        if (value == Missing.VALUE) {
            throw new UserInputException("config key '" + key + "' is missing (???); set it, e.g. " + key + "=VALUE");
        }
        return value;
    }

    /** The whole tree resolved ({@code hydra} too when asked), MISSING values kept as {@link Missing#VALUE}. */
    Map<String, Object> resolvedTree(boolean withHydra) {
        ConfigResolver resolver = new ConfigResolver(tree, runtime);
        Map<String, Object> resolved = new LinkedHashMap<>();
        for (String key : tree.keySet()) {
            if (withHydra || !key.equals("hydra")) {
                resolved.put(key, ConfigMerge.copy(resolver.resolve(List.of(key))));
            }
        }
        return resolved;
    }

    /** Config group (override key: "method", "hydra/launcher", "db@backup") to the option chosen for it. */
    public Map<String, String> choices() {
        return defaults.choices();
    }

    /** The final defaults list in merge order. */
    public List<DefaultsEntry> defaults() {
        return defaults.entries();
    }

    public String configName() {
        return configName;
    }

    public HydraRuntime runtime() {
        return runtime;
    }

    public ConfigSearchPath searchPath() {
        return searchPath;
    }

    DefaultsList.Tree defaultsTree() {
        return defaults.tree();
    }

    private static java.util.Optional<String> firstMissing(Object value, String key) {
        if (value == Missing.VALUE) {
            return java.util.Optional.of(key);
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                var found = firstMissing(entry.getValue(), key.isEmpty() ? String.valueOf(entry.getKey())
                        : key + "." + entry.getKey());
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                var found = firstMissing(list.get(i), key + "." + i);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return java.util.Optional.empty();
    }
}

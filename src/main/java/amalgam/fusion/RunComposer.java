package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.config.ComposedConfig;
import amalgam.config.Composer;
import amalgam.config.ConfigSearchPath;
import amalgam.config.ConfigYaml;
import amalgam.config.HydraCommandLine;
import amalgam.config.HydraOverride;
import amalgam.config.HydraRuntime;
import amalgam.config.OverrideValue;
import amalgam.config.Sweep;
import amalgam.io.ConfigFiles;
import amalgam.io.ScratchDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code amalgam run}'s command line made into runs, as Hydra makes FusionBench's: the primary config (amalgam's
 * {@code amalgam_fusion}, or {@code --config-path/--config-name}) composed with the overrides, one job per sweep
 * point, each job's composed config read into a {@link RunSpec}.
 *
 * <p>Besides Hydra's search path, amalgam's own tree follows a user's {@code --config-path} (so its pools and the
 * built-in benchmark stay reachable by name), and the {@code method} group holds every method amalgam has with its
 * defaults ({@link MethodConfigFiles}). As amalgam has always taken them, {@code modelpool=FILE.yaml} and
 * {@code taskpool=FILE.yaml} choose a YAML file as the group's config; a run that names a model pool but no task
 * pool evaluates nothing ({@code taskpool=dummy}), and the built-in benchmark is {@code modelpool=mini8}.
 */
public final class RunComposer implements AutoCloseable {
    /** amalgam's primary config. */
    public static final String PRIMARY = "amalgam_fusion";
    private static final List<String> FILE_GROUPS = List.of("modelpool", "taskpool");
    /** Keys of a FusionBench program config that change nothing here (Lightning Fabric, printing of calls). */
    private static final Set<String> INERT_KEYS = Set.of("_target_", "_recursive_", "fabric", "path", "print_function_call",
            "fabric_logger", "log_dir");
    private static final Set<String> PROGRAM_KEYS = Set.of("seed", "fast_dev_run", "dry_run", "print_config", "reference",
            "merged_model_save_path", "merged_model_save_kwargs", "report_save_path", "method", "modelpool", "taskpool");
    private static final Set<String> PROGRAMS = Set.of("FabricModelFusionProgram", "ModelFusionProgram");
    /**
     * Keys of FusionBench's method configs that do not change the fused model: the program's fast_dev_run, the
     * device count, a variant's own name (the chosen config already names it), where FusionBench's own code saves.
     */
    private static final Set<String> INERT_METHOD_KEYS = Set.of("fast_dev_run", "devices", "name", "model_save_path", "model_save_kwargs",
            "show_pbar");
    /**
     * Method parameters naming where FusionBench's method itself saves the model (the causal-LM methods'
     * {@code model_save_path}, the Mixtral methods' {@code save_checkpoint}, SMILE's {@code model_path}): the run saves
     * there when no merged_model_save_path is given.
     */
    private static final List<String> METHOD_SAVE_PATHS = List.of(amalgam.fusion.method.CausalLmMethods.MODEL_SAVE_PATH,
            amalgam.fusion.upscale.MixtralMoe.SAVE_CHECKPOINT, amalgam.fusion.method.SmileUpscaling.MODEL_PATH);

    private final HydraCommandLine line;
    private final Path workingDirectory;
    private final ScratchDirectory generated;
    private final ConfigSearchPath searchPath;
    private final List<HydraOverride> overrides;
    private final Map<String, Path> files = new LinkedHashMap<>();
    private final List<String> ignored = new ArrayList<>();
    private final String builtInName;

    /** The runs of {@code line}, started in {@code workingDirectory}; {@code builtInName} names the built-in benchmark's pools. */
    public RunComposer(HydraCommandLine line, Path workingDirectory, String builtInName) {
        this.line = line;
        this.builtInName = builtInName;
        this.workingDirectory = workingDirectory.toAbsolutePath();
        this.generated = ScratchDirectory.create();
        try {
            MethodConfigFiles.writeInto(generated.path());
            List<HydraOverride> parsed = line.overrides().stream().map(RunComposer::quoteLogDir).map(HydraOverride::parse).toList();
            Sweep.checkAllowed(parsed, line.multirun());
            this.overrides = withFileChoices(parsed);
            List<ConfigSearchPath.Root> roots = new ArrayList<>(line.searchPath(this.workingDirectory).roots());
            if (line.configPath() != null) {
                roots.addAll(ConfigSearchPath.classpath("amalgam", ConfigSearchPath.AMALGAM_CONFIG));
            }
            roots.add(ConfigSearchPath.directory("amalgam-methods", generated.path()));
            this.searchPath = ConfigSearchPath.of(roots);
        } catch (RuntimeException e) {
            generated.close();
            throw e;
        }
    }

    /** Overrides given that change nothing here (Lightning Fabric's), for a warning. */
    public List<String> ignored() {
        return List.copyOf(ignored);
    }

    /** The jobs: one without {@code -m}, else one per point of the sweep. */
    public List<List<HydraOverride>> jobs() {
        return Sweep.expand(overrides);
    }

    /** Job {@code number}'s composed config. */
    public ComposedConfig compose(List<HydraOverride> job, int number) {
        checkNames(job);
        HydraRuntime runtime = HydraRuntime.current("amalgam");
        return Composer.compose(searchPath, line.configNameOr(PRIMARY), withDefaultTaskPool(job), line.multirun() ? runtime.job(number)
                : runtime);
    }

    /** The run a composed config describes. */
    public RunSpec spec(ComposedConfig config) {
        Map<String, Object> root = config.resolved();
        checkProgram(root);
        String logDir = config.job().get("path") instanceof Map<?, ?> ? stringOrNull(config.select("path.log_dir")) : null;
        String method = config.choices().get("method");
        if (method == null || !(root.get("method") instanceof Map<?, ?> methodNode)) {
            throw new UserInputException("the run has no method: choose one with method=NAME (amalgam methods lists them)");
        }
        Map<String, Object> parameters = MethodConfigFiles.parameters(methodNode);
        List<String> declared = MethodRegistry.parameterNames(method);
        // FusionBench's method configs also carry the program's switch and settings of its own runtime
        parameters.keySet().removeIf(key -> !declared.contains(key) && INERT_METHOD_KEYS.contains(key));
        MethodRegistry.create(method, parameters); // bad parameters are reported before any file is read
        Path savePath = path(root.get("merged_model_save_path"), "merged_model_save_path", logDir);
        RunSpec.Pool taskPool = pool("taskpool", root.get("taskpool"), config);
        if (taskPool instanceof RunSpec.Pool.None && root.get("taskpool") instanceof Map<?, ?> dummy && dummy.get("model_save_path") != null) {
            // FusionBench's DummyTaskPool saves the model it is given
            savePath = savePath != null ? savePath : path(dummy.get("model_save_path"), "taskpool.model_save_path", logDir);
        }
        for (String key : METHOD_SAVE_PATHS) {
            if (savePath == null && parameters.get(key) instanceof String methodSavePath) {
                savePath = path(methodSavePath, "method." + key, logDir); // FusionBench's own method saves there
            }
        }
        boolean saveTokenizer = saveTokenizer(root.get("merged_model_save_kwargs"));
        taskPool = withTrainData(taskPool, root.get("modelpool"));
        return new RunSpec(method, parameters, pool("modelpool", root.get("modelpool"), config), taskPool, savePath,
                path(root.get("report_save_path"), "report_save_path", logDir), seed(root.get("seed")), flag(root, "fast_dev_run"),
                root.get("reference") == null ? null : flag(root, "reference"), ConfigYaml.dump(config.job()), saveTokenizer);
    }

    /** Whether the config asks only to be shown ({@code dry_run}) or to be shown before running ({@code print_config}). */
    public static boolean flag(Map<String, Object> root, String key) {
        Object value = root.get(key);
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        throw new UserInputException("'" + key + "' must be true or false, got '" + value + "'");
    }

    @Override
    public void close() {
        generated.close();
    }

    /**
     * FusionBench's {@code report_save_path={log_dir}/program_report.json}: Hydra's grammar reads a value starting with
     * '{' as a mapping, so such a path is taken as the string it is meant to be.
     */
    private static String quoteLogDir(String override) {
        int equals = override.indexOf('=');
        if (equals > 0 && override.startsWith("{log_dir}", equals + 1) && !override.contains("'")) {
            return override.substring(0, equals + 1) + "'" + override.substring(equals + 1) + "'";
        }
        return override;
    }

    /** {@code modelpool=FILE.yaml}: the file becomes an option of the group, named {@code _file_}. */
    private List<HydraOverride> withFileChoices(List<HydraOverride> given) {
        List<HydraOverride> result = new ArrayList<>();
        for (HydraOverride override : given) {
            if (override.type() == HydraOverride.Type.CHANGE && FILE_GROUPS.contains(override.key()) && override.packageName() == null
                    && override.value() instanceof OverrideValue.Element element && element.value() instanceof String text
                    && isYamlFile(text)) {
                Path file = workingDirectory.resolve(text).normalize();
                String what = override.key().equals("modelpool") ? "model pool" : "task pool";
                if (Files.isRegularFile(file)) {
                    amalgam.io.YamlDocuments.read(file, what); // malformed YAML is reported naming the user's file
                }
                // a missing file is reported when the pool is read, after the method's parameters are checked
                writeOption(override.key(), Files.isRegularFile(file) ? ConfigFiles.readText(file, what) : MISSING_FILE + ": true\n");
                files.put(override.key(), file);
                result.add(HydraOverride.parse(override.key() + "=" + FILE_OPTION));
            } else if (override.key().equals("fabric") || override.key().startsWith("fabric.") || override.key().startsWith("fabric/")) {
                ignored.add(override.text()); // Lightning Fabric's settings (devices, accelerator, ...) have no counterpart here
            } else if (override.type() == HydraOverride.Type.CHANGE && override.key().startsWith("method.")) {
                // the method's parameters are checked against its declaration, whose error names the valid ones
                result.add(new HydraOverride(HydraOverride.Type.FORCE_ADD, override.key(), override.packageName(), override.value(),
                        override.text()));
            } else {
                result.add(override);
            }
        }
        return result;
    }

    private static final String FILE_OPTION = "_file_";
    private static final String MISSING_FILE = "_missing_file_";

    private static boolean isYamlFile(String text) {
        return text.endsWith(".yaml") || text.endsWith(".yml") || text.contains("/") && !text.contains("${") && Files.isRegularFile(Path.of(text));
    }

    private void writeOption(String group, String text) {
        try {
            Path option = generated.path().resolve(group).resolve(FILE_OPTION + ".yaml");
            Files.createDirectories(option.getParent());
            Files.writeString(option, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Names Hydra would report as missing config files or keys, reported as amalgam always has: an unknown method with
     * the valid ones, and (with amalgam's own primary config) an unknown run key with the valid keys.
     */
    private void checkNames(List<HydraOverride> job) {
        for (HydraOverride override : job) {
            boolean chosen = override.type() == HydraOverride.Type.CHANGE || override.type() == HydraOverride.Type.ADD;
            if (chosen && override.key().equals("method") && override.value() instanceof OverrideValue.Element element
                    && element.value() instanceof String name && searchPath.find("method/" + name).isEmpty()) {
                throw new UserInputException("unknown method '" + name + "'; valid methods: " + String.join(", ",
                        MethodRegistry.builtIns().stream().map(MethodDeclaration::configName).toList()) + " (amalgam methods describes them)");
            }
            String top = override.key().split("[./]", 2)[0];
            if (line.configPath() == null && override.type() == HydraOverride.Type.CHANGE && !override.isHydraOverride()
                    && !PROGRAM_KEYS.contains(top) && !INERT_KEYS.contains(top) && !searchPath.isGroup(top)) {
                throw new UserInputException("unknown run key '" + override.key() + "'; valid keys: "
                        + String.join(", ", new java.util.TreeSet<>(PROGRAM_KEYS)) + ", method.PARAMETER, [+|~]modelpool.FIELD,"
                        + " [+|~]taskpool.FIELD, path.FIELD");
            }
        }
    }

    /** A model pool other than the built-in one, with no task pool chosen: nothing to evaluate on (as before). */
    private List<HydraOverride> withDefaultTaskPool(List<HydraOverride> job) {
        boolean otherPool = job.stream().anyMatch(o -> o.key().equals("modelpool") && o.type() != HydraOverride.Type.DELETE
                && !(o.value() instanceof OverrideValue.Element e && builtInName.equals(e.value())));
        boolean taskPoolChosen = job.stream().anyMatch(o -> o.key().equals("taskpool"));
        if (!otherPool || taskPoolChosen || line.configPath() != null) {
            return job;
        }
        List<HydraOverride> withDummy = new ArrayList<>(job);
        withDummy.add(HydraOverride.parse("taskpool=dummy"));
        return withDummy;
    }

    private RunSpec.Pool pool(String group, Object node, ComposedConfig config) {
        if (node == null) {
            if (group.equals("taskpool")) {
                return new RunSpec.Pool.None();
            }
            throw new UserInputException("the run has no model pool: choose one with modelpool=NAME or modelpool=FILE.yaml");
        }
        if (!(node instanceof Map<?, ?> map)) {
            throw new UserInputException("'" + group + "' must be a mapping, got " + node);
        }
        if (map.containsKey(MISSING_FILE)) {
            throw new UserInputException((group.equals("modelpool") ? "model pool" : "task pool") + " file '" + files.get(group)
                    + "': no such file");
        }
        if (map.containsKey("builtin")) {
            String name = String.valueOf(map.get("builtin"));
            if (name.equals(builtInName)) {
                return new RunSpec.Pool.BuiltIn();
            }
            if (name.equals("dummy") && group.equals("taskpool")) {
                return new RunSpec.Pool.None();
            }
            throw new UserInputException(group + ": no built-in pool named '" + name + "'");
        }
        if (group.equals("taskpool") && map.get("_target_") instanceof String target && target.endsWith("DummyTaskPool")) {
            return new RunSpec.Pool.None();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> document = (Map<String, Object>) map;
        Path file = files.get(group);
        String choice = config.choices().get(group);
        return new RunSpec.Pool.Document(document, file, file != null ? file.toString() : group + "=" + choice);
    }

    /**
     * FusionBench's data-dependent methods read training data from the model pool ({@code train_datasets}); amalgam's
     * read a task pool's train splits, so a hub task pool without its own takes the model pool's, for its tasks.
     */
    private static RunSpec.Pool withTrainData(RunSpec.Pool taskPool, Object modelPool) {
        if (!(taskPool instanceof RunSpec.Pool.Document document) || !document.document().containsKey("test_datasets")
                || document.document().get("train_datasets") != null || !(modelPool instanceof Map<?, ?> pool)
                || !(pool.get("train_datasets") instanceof Map<?, ?> train) || !(document.document().get("test_datasets") instanceof Map<?, ?> test)) {
            return taskPool;
        }
        Map<String, Object> selected = new LinkedHashMap<>();
        train.forEach((task, source) -> {
            if (test.containsKey(task)) {
                selected.put(String.valueOf(task), source);
            }
        });
        Map<String, Object> withTrain = new LinkedHashMap<>(document.document());
        withTrain.put("train_datasets", selected);
        return new RunSpec.Pool.Document(withTrain, document.file(), document.name());
    }

    private void checkProgram(Map<String, Object> root) {
        if (root.get("_target_") instanceof String target && PROGRAMS.stream().noneMatch(program -> target.endsWith("." + program))) {
            throw new UserInputException("program '" + target + "' is not supported; amalgam runs FusionBench's model fusion program"
                    + " (fusion_bench.programs.FabricModelFusionProgram)");
        }
        for (String key : root.keySet()) {
            if (!PROGRAM_KEYS.contains(key) && !INERT_KEYS.contains(key)) {
                throw new UserInputException("config key '" + key + "' is not one amalgam's run knows; run keys: "
                        + String.join(", ", new java.util.TreeSet<>(PROGRAM_KEYS)));
            }
        }
    }

    /**
     * FusionBench's {@code merged_model_save_kwargs}, passed to its pool's {@code save_model}: amalgam always writes
     * safetensors and never uploads, so {@code safe_serialization: true} and {@code push_to_hub: false} are what it
     * does anyway and their opposites are refused; {@code save_tokenizer} says whether the reference model's tokenizer
     * files are copied beside the fused model (copied unless false). Returns that choice.
     */
    private static boolean saveTokenizer(Object kwargs) {
        if (kwargs == null) {
            return true;
        }
        if (!(kwargs instanceof Map<?, ?> map)) {
            throw new UserInputException("merged_model_save_kwargs must be a mapping, e.g. '{save_tokenizer: true}', got " + kwargs);
        }
        boolean saveTokenizer = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = String.valueOf(entry.getKey());
            Object value = entry.getValue();
            switch (key) {
                case "safe_serialization" -> requireSaveKwarg(key, value, true, "amalgam writes safetensors only");
                case "push_to_hub" -> requireSaveKwarg(key, value, false, "amalgam never uploads");
                case "save_tokenizer" -> {
                    if (!(value instanceof Boolean flag)) {
                        throw new UserInputException("merged_model_save_kwargs.save_tokenizer must be true or false, got " + value);
                    }
                    saveTokenizer = flag;
                }
                default -> throw new UserInputException("merged_model_save_kwargs." + key + " is not supported (supported:"
                        + " safe_serialization: true, push_to_hub: false, save_tokenizer); amalgam saves the fused model in its"
                        + " pool's stored dtype with the reference model's config");
            }
        }
        return saveTokenizer;
    }

    private static void requireSaveKwarg(String key, Object value, boolean wanted, String why) {
        if (!Boolean.valueOf(wanted).equals(value)) {
            throw new UserInputException("merged_model_save_kwargs." + key + "=" + value + " is not supported: " + why);
        }
    }

    /** A path key: null or false for none; FusionBench's "{log_dir}" stands for path.log_dir. */
    private Path path(Object value, String key, String logDir) {
        if (value == null || Boolean.FALSE.equals(value)) {
            return null;
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw new UserInputException("'" + key + "' must be a path (or null), got '" + value + "'");
        }
        if (text.contains("{log_dir}")) {
            if (logDir == null) {
                throw new UserInputException("'" + key + "' uses {log_dir}, but the config has no path.log_dir");
            }
            text = text.replace("{log_dir}", logDir);
        }
        return workingDirectory.resolve(text);
    }

    private static String stringOrNull(Object value) {
        return value == null ? null : String.valueOf(value);
    }

    private static long seed(Object value) {
        if (value == null) {
            return 0;
        }
        if (value instanceof Number number && number.doubleValue() == number.longValue()) {
            return number.longValue();
        }
        throw new UserInputException("'seed' must be an integer (or null), got '" + value + "'");
    }
}

package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import amalgam.io.HubCache;
import amalgam.io.YamlDocuments;
import amalgam.io.FileDigests;
import amalgam.io.OutputDirectory;
import amalgam.io.ScratchDirectory;
import amalgam.linalg.LinearAlgebra;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.fusion.taskpool.TaskMetrics;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.EngineOptions;
import amalgam.merge.FusedModelSpec;
import amalgam.merge.FiniteOutputs;
import amalgam.merge.FusedModelWriter;
import amalgam.merge.ModelSource;
import amalgam.merge.NonFiniteInputs;
import amalgam.merge.Provenance;
import amalgam.merge.TensorJob;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipVisionFamily;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code amalgam run} program: reads the run's keys, loads the model pool, plans the method, writes the fused
 * model (when asked) and builds the report. Task pools other than {@code dummy} arrive with the built-in
 * benchmark; until then a run fuses and reports parameter counts.
 */
public final class FusionRun {
    private static final Set<String> RUN_KEYS = Set.of("method", "modelpool", "taskpool", "merged_model_save_path",
            "report_save_path", "seed", "print_config", "reference", "fast_dev_run");

    private final EngineOptions engine;
    private final BuiltInPools builtIn;
    private final ReferenceCache cache;
    private final FileDigests digests = FileDigests.standard();
    private boolean allowNonFinite;

    public FusionRun(EngineOptions engine, BuiltInPools builtIn, ReferenceCache cache) {
        this.engine = engine;
        this.builtIn = builtIn;
        this.cache = cache;
    }

    /** With {@code allow}, NaN and infinities in input weights are fused as FusionBench would instead of refused. */
    public FusionRun allowingNonFinite(boolean allow) {
        this.allowNonFinite = allow;
        return this;
    }

    /**
     * Runs the program and returns its report; with a task pool, the readable table is printed to {@code out} first.
     * Without {@code modelpool} (or with {@code modelpool=NAME} of the built-in benchmark) the built-in pool is used,
     * its task pool by default, and reference rows unless {@code reference=false}.
     */
    public RunReport run(Map<String, Object> given, PrintWriter out) {
        checkKeys(given);
        boolean fastDevRun = booleanValue(given, "fast_dev_run");
        Map<String, Object> arguments = fastDevRun ? FastDevRun.capSteps(given) : given;
        boolean builtInPool = !arguments.containsKey("modelpool") || builtIn.name().equals(String.valueOf(arguments.get("modelpool")));
        ImageTaskPool taskPool = taskPool(String.valueOf(arguments.getOrDefault("taskpool", builtInPool ? builtIn.name() : "dummy")),
                arguments);
        if (fastDevRun && taskPool != null) {
            taskPool = taskPool.firstBatches(FastDevRun.BATCHES);
        }
        boolean withReference = arguments.containsKey("reference") ? Boolean.TRUE.equals(arguments.get("reference"))
                : builtInPool && taskPool != null;
        long seed = longValue(arguments, "seed", 0);
        FusionMethod method = MethodRegistry.fromOverrides(arguments);
        if (Boolean.TRUE.equals(arguments.get("print_config"))) {
            out.println(configText(arguments));
        }
        Path poolFile = builtInPool ? builtIn.modelPoolFile().get() : Path.of(String.valueOf(arguments.get("modelpool")));
        List<CheckpointModelSource> opened = new ArrayList<>();
        NonFiniteInputs nonFinite = NonFiniteInputs.of(allowNonFinite);
        try {
            Path workingDirectory = Path.of("").toAbsolutePath();
            Object poolDocument = overridden(poolFile, "model pool", "modelpool", arguments);
            ModelPool loaded = ModelPool.fromDocument(poolDocument, poolFile, workingDirectory, path -> {
                Path model = modelPath(path, workingDirectory, poolFile);
                // a pool path may be the root folder, which has no file name
                CheckpointModelSource source = CheckpointModelSource.open(String.valueOf(model.getFileName() == null ? model
                        : model.getFileName()), model);
                opened.add(source);
                return source.withNonFiniteInputs(nonFinite);
            });
            boolean visionPool = ClipVisionPool.applies(poolDocument, opened);
            ModelPool pool = visionPool ? ClipVisionPool.view(loaded) : loaded;
            if (visionPool && taskPool != null) {
                taskPool = taskPool.withProjectionFallback(projectionSource(pool, opened));
            }
            Path saveTo = arguments.get("merged_model_save_path") == null ? null
                    : Path.of(String.valueOf(arguments.get("merged_model_save_path")));
            Path reportPath = arguments.get("report_save_path") == null ? null : Path.of(String.valueOf(arguments.get("report_save_path")));
            List<Path> inputs = inputsOf(opened, poolFile, arguments);
            if (reportPath != null) {
                RunReport.checkReplaceable(reportPath, inputs);
            }
            RunReport report = new RunReport();
            try (OutputDirectory output = saveTo == null ? null : OutputDirectory.claim(saveTo, inputs)) {
                String methodName = String.valueOf(arguments.getOrDefault("method", "task_arithmetic"));
                FusionData data = taskPool == null ? null : new FusionData(taskPool, clipFamily(pool, opened));
                FusionContext context = new FusionContext(pool, seed, engine.threads(), data, saveTo != null,
                        engine.workers().parallel());
                FusionResult result = TensorInputs.withReference(pool.reference().name(), () -> method.fuse(context));
                nonFinite.planned();
                Provenance provenance = provenance(arguments, pool, opened, seed);
                FusedModelSpec spec = visionPool
                        ? new FusedModelSpec(saveTo, null, null, Map.of(), false, provenance, configText(arguments),
                                Map.of("config.json", ClipVisionPool.visionConfigJson(sideFileSource(pool, opened))))
                        : new FusedModelSpec(saveTo, sideFileSource(pool, opened), null, Map.of(), true, provenance,
                                configText(arguments));
                switch (result) {
                    case FusionResult.Ensemble ensemble -> putResults(report.entries(), new EnsembleOutput(ensemble,
                            () -> clipFamily(pool, opened), engine).saveAndEvaluate(output, spec, taskPool, report));
                    case FusionResult.MergedModel merged -> saveAndEvaluate(checked(Map.of("", merged.jobs()), methodName, nonFinite),
                            spec, output, false, false, taskPool, report, new SideOutputs(merged.learned(), merged.learnedTensors(), merged.corrections()));
                    case FusionResult.PerTaskModels perTask -> saveAndEvaluate(checked(perTask.models(), methodName, nonFinite), spec,
                            output, true, false, taskPool, report, SideOutputs.NONE);
                    case FusionResult.ContinualSteps steps -> saveAndEvaluateSteps(checked(steps.steps(), methodName, nonFinite),
                            steps.kept(), spec, output, taskPool, report);
                }
            }
            if (taskPool != null && withReference) {
                report.put("reference", reference(taskPool, pool, opened));
            }
            if (taskPool != null) {
                out.print(ReportTable.render(String.valueOf(arguments.getOrDefault("method", "task_arithmetic")), report.entries()));
                out.println();
            }
            if (reportPath != null) {
                AtomicFiles.writeString(reportPath, report.toPrettyJson() + "\n");
            }
            return report;
        } finally {
            opened.forEach(CheckpointModelSource::close);
        }
    }

    /** Each model's jobs with their outputs checked for non-finite values before they are written. */
    private static Map<String, List<TensorJob>> checked(Map<String, List<TensorJob>> planned, String methodName,
                                                        NonFiniteInputs nonFinite) {
        Map<String, List<TensorJob>> models = new LinkedHashMap<>();
        planned.forEach((model, jobs) -> models.put(model, FiniteOutputs.checked(jobs, methodName, nonFinite)));
        return models;
    }

    /**
     * Writes the fused model(s) — to the requested directory, or to a scratch directory removed afterwards — and
     * evaluates the final model on the task pool, if any.
     */
    private void saveAndEvaluate(Map<String, List<TensorJob>> models, FusedModelSpec spec, OutputDirectory output,
                                 boolean perTask, boolean everyStep, ImageTaskPool taskPool, RunReport report,
                                 SideOutputs side) {
        List<TensorJob> first = models.values().iterator().next();
        long parameters = first.stream().filter(job -> job.outputDType().isFloatingPoint())
                .mapToLong(job -> job.outputShape().elementCount()).sum();
        report.putModelInfo(parameters, parameters);
        side.learned().forEach(report::putLearned);
        if (output != null) {
            Path staging = output.stagingFor(new FusedModelWriter(engine).runKey(models, spec));
            save(perTask || everyStep, models, spec, staging, FusedModelWriter.titleOf(output.target()));
            side.saveInto(staging);
            output.publish();
            evaluateIfAsked(taskPool, output.target(), models, perTask, everyStep, report);
            side.evaluateUncorrected(taskPool, output.target(), engine.threads(), report);
            return;
        }
        try (ScratchDirectory scratch = ScratchDirectory.create()) {
            Path written = scratch.path().resolve("fused");
            FusedModelSpec unsaved = new FusedModelSpec(written, spec.sideFilesSource(), null, Map.of(), false,
                    spec.provenance(), spec.configText(), spec.generatedFiles());
            createDirectory(written);
            save(perTask || everyStep, models, unsaved, written, "fused");
            side.saveInto(written);
            evaluateIfAsked(taskPool, written, models, perTask, everyStep, report);
            side.evaluateUncorrected(taskPool, written, engine.threads(), report);
        }
    }

    /**
     * A continual method's steps: every step's model saved (DIR/step-TT-MODEL/) or only the final one, the final model
     * evaluated, and with {@code kept.evaluate()} every earlier step's model too, as the report's {@code steps}.
     */
    private void saveAndEvaluateSteps(Map<String, List<TensorJob>> steps, StepOutputs kept, FusedModelSpec spec,
                                      OutputDirectory output, ImageTaskPool taskPool, RunReport report) {
        List<String> names = List.copyOf(steps.keySet());
        String last = names.getLast();
        if (kept.save()) {
            saveAndEvaluate(steps, spec, output, false, true, taskPool, report, SideOutputs.NONE);
        } else {
            saveAndEvaluate(Map.of(last, steps.get(last)), spec, output, false, false, taskPool, report, SideOutputs.NONE);
        }
        if (!kept.evaluate() || taskPool == null) {
            return;
        }
        Map<String, Object> rows = new LinkedHashMap<>();
        try (ScratchDirectory scratch = ScratchDirectory.create()) {
            for (String name : names.subList(0, names.size() - 1)) {
                Path model;
                if (kept.save()) {
                    model = output.target().resolve(name);
                } else {
                    model = scratch.path().resolve(name);
                    createDirectory(model);
                    save(false, Map.of(name, steps.get(name)), new FusedModelSpec(model, spec.sideFilesSource(), null, Map.of(),
                            false, spec.provenance(), spec.configText(), spec.generatedFiles(), false), model, name);
                }
                Map<String, Object> row = new LinkedHashMap<>();
                putResults(row, taskPool.evaluate(model, engine.threads()));
                rows.put(name, row);
            }
        }
        Map<String, Object> finalRow = new LinkedHashMap<>();
        for (String key : taskPool.taskNames()) {
            finalRow.put(key, report.entries().get(key));
        }
        finalRow.put("average", report.entries().get("average"));
        rows.put(last, finalRow);
        report.put("steps", rows);
    }

    /**
     * The pool as CLIP vision models: the reference model's config, the projection of the pretrained model (read from
     * its checkpoint, since a pool of vision towers hides it).
     */
    private static ClipVisionFamily clipFamily(ModelPool pool, List<CheckpointModelSource> opened) {
        int index = pool.allModels().indexOf(pool.reference());
        Path directory = opened.get(Math.max(0, index)).checkpoint().directory();
        int pretrained = pool.pretrained().map(pool.allModels()::indexOf).orElse(-1);
        ModelSource projection = pretrained < 0 ? null : opened.get(pretrained).named(pool.allModels().get(pretrained).name());
        ModelSource reference = opened.get(Math.max(0, index)).named(pool.reference().name());
        return new ClipVisionFamily(ClipConfig.read(directory.resolve("config.json")), projection, reference);
    }

    /** The checkpoint whose visual_projection evaluates a pool of vision towers: the pretrained CLIP's, else the reference's. */
    private static Path projectionSource(ModelPool pool, List<CheckpointModelSource> opened) {
        int index = pool.allModels().indexOf(pool.pretrained().orElse(pool.reference()));
        return opened.get(Math.max(0, index)).checkpoint().directory();
    }

    private void evaluateIfAsked(ImageTaskPool taskPool, Path written, Map<String, List<TensorJob>> models, boolean perTask,
                                 boolean everyStep, RunReport report) {
        if (taskPool != null) {
            Path finalModel = everyStep ? written.resolve(List.copyOf(models.keySet()).getLast()) : written;
            evaluate(taskPool, finalModel, perTask, report);
        }
    }

    private static void createDirectory(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * What this run reads and its outputs must never replace: every model's weight files and folder, the pool
     * file and a task pool file.
     */
    private static List<Path> inputsOf(List<CheckpointModelSource> opened, Path poolFile, Map<String, Object> arguments) {
        List<Path> inputs = new ArrayList<>();
        for (CheckpointModelSource source : opened) {
            inputs.add(source.checkpoint().directory());
            inputs.addAll(source.checkpoint().files());
        }
        inputs.add(poolFile);
        Object taskPool = arguments.get("taskpool");
        if (taskPool != null && Files.isRegularFile(Path.of(String.valueOf(taskPool)))) {
            inputs.add(Path.of(String.valueOf(taskPool)));
        }
        return inputs;
    }

    private ImageTaskPool taskPool(String name, Map<String, Object> arguments) {
        boolean overrides = GroupOverrides.any(arguments, "taskpool");
        if (overrides && (name.equals("dummy") || name.equals(builtIn.name()))) {
            throw new UserInputException("taskpool.* overrides apply to a task pool YAML file, not to taskpool=" + name);
        }
        if (name.equals("dummy")) {
            return null;
        }
        if (name.equals(builtIn.name())) {
            return builtIn.taskPool().get();
        }
        Path file = Path.of(name);
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("unknown task pool '" + name + "'; give taskpool=dummy, taskpool=" + builtIn.name()
                    + " or a task pool YAML file");
        }
        return ImageTaskPool.fromDocument(overridden(file, "task pool", "taskpool", arguments), file);
    }

    /** Per-task results plus their average; a per-task method's DIR/TASK model is evaluated on its own task. */
    private void evaluate(ImageTaskPool taskPool, Path fused, boolean perTask, RunReport report) {
        Map<String, TaskMetrics> results = new LinkedHashMap<>();
        if (perTask) {
            for (String task : taskPool.taskNames()) {
                Path model = fused.resolve(task);
                if (!Files.isDirectory(model)) {
                    throw new UserInputException("per-task method produced no model for task '" + task + "' of the task pool");
                }
                results.put(task, taskPool.evaluate(model, engine.threads()).get(task));
            }
        } else {
            results.putAll(taskPool.evaluate(fused, engine.threads()));
        }
        putResults(report.entries(), results);
    }

    /**
     * The pretrained model on every task and each task's own fine-tuned model on it (FusionBench's reference rows).
     * These models do not change between runs, so their results come from the reference cache when it has them.
     */
    private Map<String, Object> reference(ImageTaskPool taskPool, ModelPool pool, List<CheckpointModelSource> opened) {
        Map<String, Object> reference = new LinkedHashMap<>();
        int pretrained = pool.allModels().indexOf(pool.pretrained().orElse(null));
        if (pretrained >= 0) {
            Map<String, Object> rows = new LinkedHashMap<>();
            putResults(rows, cachedEvaluation(taskPool, opened.get(pretrained), taskPool.taskNames()));
            reference.put("pretrained", rows);
        }
        Map<String, TaskMetrics> individual = new LinkedHashMap<>();
        for (String task : taskPool.taskNames()) {
            int index = indexOf(pool, task);
            if (index >= 0) {
                individual.putAll(cachedEvaluation(taskPool, opened.get(index), List.of(task)));
            }
        }
        Map<String, Object> rows = new LinkedHashMap<>();
        putResults(rows, individual);
        reference.put("individual", rows);
        return reference;
    }

    private Map<String, TaskMetrics> cachedEvaluation(ImageTaskPool taskPool, CheckpointModelSource model, List<String> tasks) {
        String contents = FileDigests.combined(digests.of(model.checkpoint().files(), engine.workers()));
        Map<String, TaskMetrics> results = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String task : tasks) {
            cache.find(contents, taskPool.identity(task)).ifPresentOrElse(metrics -> results.put(task, metrics), () -> missing.add(task));
        }
        if (!missing.isEmpty()) {
            Map<String, TaskMetrics> evaluated = taskPool.evaluate(model.checkpoint().directory(), missing, engine.threads());
            evaluated.forEach((task, metrics) -> cache.put(contents, taskPool.identity(task), metrics));
            results.putAll(evaluated);
        }
        Map<String, TaskMetrics> ordered = new LinkedHashMap<>();
        tasks.forEach(task -> ordered.put(task, results.get(task)));
        return ordered;
    }

    private static int indexOf(ModelPool pool, String name) {
        for (int i = 0; i < pool.allModels().size(); i++) {
            if (pool.allModels().get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static void putResults(Map<String, Object> target, Map<String, TaskMetrics> results) {
        double accuracy = 0;
        double loss = 0;
        for (Map.Entry<String, TaskMetrics> entry : results.entrySet()) {
            target.put(entry.getKey(), metrics(entry.getValue().accuracy(), entry.getValue().loss()));
            accuracy += entry.getValue().accuracy();
            loss += entry.getValue().loss();
        }
        if (!results.isEmpty()) {
            target.put("average", metrics(accuracy / results.size(), loss / results.size()));
        }
    }

    private static Map<String, Object> metrics(double accuracy, double loss) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", accuracy);
        metrics.put("loss", loss);
        return metrics;
    }

    /** One model written into {@code directory}, or for a per-task method DIR/TASK/ for every task. */
    private void save(boolean perTask, Map<String, List<TensorJob>> models, FusedModelSpec spec, Path directory, String title) {
        FusedModelWriter writer = new FusedModelWriter(engine);
        if (perTask) {
            writer.writePerTaskInto(directory, models, spec);
        } else {
            writer.writeInto(directory, title, models.values().iterator().next(), spec);
        }
    }

    /**
     * A relative model path means what it means to FusionBench: relative to the working directory. When nothing is
     * there, it is taken relative to the pool file's directory instead, so a pool can travel with its models.
     */
    /**
     * The YAML document of a pool file with the command line's overrides of its group applied, then its
     * {@code ${...}} references resolved (so an override of a referenced field carries through, as in Hydra).
     */
    private static Object overridden(Path file, String what, String group, Map<String, Object> arguments) {
        Object document = YamlDocuments.read(file, what);
        if (!(document instanceof Map<?, ?> root)) {
            return document; // the pool reader reports what it lacks
        }
        Map<?, ?> changed = GroupOverrides.any(arguments, group) ? GroupOverrides.apply(root, group, arguments) : root;
        return Interpolation.resolve(changed, group);
    }

    /**
     * A pool entry as a path: against the working directory (as FusionBench), else the pool file's folder, else a
     * Hugging Face repo id (such as {@code openai/clip-vit-base-patch32}) found in the local hub cache.
     */
    private static Path modelPath(Path resolvedAgainstWorkingDirectory, Path workingDirectory, Path poolFile) {
        if (Files.exists(resolvedAgainstWorkingDirectory)) {
            return resolvedAgainstWorkingDirectory;
        }
        Path relative = workingDirectory.relativize(resolvedAgainstWorkingDirectory);
        Path besidePool = poolFile.toAbsolutePath().getParent().resolve(relative).normalize();
        String written = relative.toString().replace('\\', '/');
        return Files.exists(besidePool) || !HubCache.isRepoId(written) ? besidePool : HubCache.resolve(written, null);
    }

    private static Path sideFileSource(ModelPool pool, List<CheckpointModelSource> opened) {
        int index = pool.allModels().indexOf(pool.reference());
        return index >= 0 && index < opened.size() ? opened.get(index).checkpoint().directory() : null;
    }

    private Provenance provenance(Map<String, Object> arguments, ModelPool pool, List<CheckpointModelSource> opened,
                                  long seed) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < opened.size(); i++) {
            names.add(i < pool.allModels().size() ? pool.allModels().get(i).name() : opened.get(i).name());
        }
        List<Provenance.Input> inputs = Provenance.describe(names, opened, digests, engine.workers(), engine.progress());
        Map<String, Object> given = new LinkedHashMap<>();
        arguments.forEach((key, value) -> {
            if (key.startsWith("method.")) {
                given.put(key.substring("method.".length()), value);
            }
        });
        String method = String.valueOf(arguments.getOrDefault("method", "task_arithmetic"));
        // every parameter with its resolved value (the declared defaults too), not only the ones given
        MethodDeclaration declaration = MethodRegistry.resolve(method);
        Map<String, Object> parameters = MethodParameters.resolve(declaration.configName(), declaration.parameters(), given).asMap();
        return new Provenance(method, "fusionbench", parameters, inputs, seed,
                Provenance.software(amalgam.merge.Versions.amalgam(), LinearAlgebra.backend()));
    }

    private static String configText(Map<String, Object> arguments) {
        return arguments.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n"));
    }

    private static void checkKeys(Map<String, Object> arguments) {
        for (String key : arguments.keySet()) {
            boolean poolOverride = GroupOverrides.isOverride(key, "modelpool") || GroupOverrides.isOverride(key, "taskpool");
            if (!RUN_KEYS.contains(key) && !key.startsWith("method.") && !poolOverride) {
                throw new UserInputException("unknown run key '" + key + "'; valid keys: "
                        + RUN_KEYS.stream().sorted().collect(Collectors.joining(", "))
                        + ", method.PARAMETER, [+|~]modelpool.FIELD, [+|~]taskpool.FIELD");
            }
        }
    }

    private static boolean booleanValue(Map<String, Object> arguments, String key) {
        Object value = arguments.getOrDefault(key, false);
        if (value instanceof Boolean flag) {
            return flag;
        }
        throw new UserInputException("'" + key + "' must be true or false, got '" + value + "'");
    }

    private static long longValue(Map<String, Object> arguments, String key, long fallback) {
        Object value = arguments.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number number && number.longValue() == number.doubleValue()) {
            return number.longValue();
        }
        throw new UserInputException("'" + key + "' must be an integer, got '" + value + "'");
    }
}

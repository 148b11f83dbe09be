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
import amalgam.fusion.taskpool.HubTaskPools;
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
import java.util.Optional;
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

    /** Where a continual method's model after every step is saved, inside the output: FusionBench's folder name. */
    static final String STEP_CHECKPOINTS = "checkpoints";

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
        NonFiniteInputs nonFinite = NonFiniteInputs.of(allowNonFinite);
        Object poolDocument = overridden(poolFile, "model pool", "modelpool", arguments);
        try (LoadedPool loaded = LoadedPool.open(poolDocument, poolFile, Path.of("").toAbsolutePath(), nonFinite)) {
            ModelPool pool = loaded.pool();
            if (loaded.visionTowers() && taskPool != null) {
                taskPool = taskPool.withProjectionFallback(projectionSource(loaded));
            }
            Path saveTo = arguments.get("merged_model_save_path") == null ? null
                    : Path.of(String.valueOf(arguments.get("merged_model_save_path")));
            Path reportPath = arguments.get("report_save_path") == null ? null : Path.of(String.valueOf(arguments.get("report_save_path")));
            List<Path> inputs = inputsOf(loaded.opened(), poolFile, arguments);
            if (reportPath != null) {
                RunReport.checkReplaceable(reportPath, inputs);
            }
            RunReport report = new RunReport();
            ImageTaskPool evaluated = taskPool;
            try (OutputDirectory output = saveTo == null ? null : OutputDirectory.claim(saveTo, inputs)) {
                String methodName = String.valueOf(arguments.getOrDefault("method", "task_arithmetic"));
                FusionData data = evaluated == null ? null : new FusionData(evaluated, clipFamily(loaded));
                FusionContext context = new FusionContext(pool, seed, engine.threads(), data, saveTo != null,
                        engine.workers().parallel());
                FusionResult result = TensorInputs.withReference(pool.reference().name(), () -> method.fuse(context));
                nonFinite.planned();
                Provenance provenance = provenance(arguments, loaded, seed);
                FusedModelSpec spec = fusedModelSpec(saveTo, loaded, provenance, configText(arguments));
                switch (result) {
                    case FusionResult.Ensemble ensemble -> putResults(report.entries(), new EnsembleOutput(ensemble,
                            () -> clipFamily(loaded), engine).saveAndEvaluate(output, spec, evaluated, report));
                    case FusionResult.MergedModel merged -> saveAndEvaluate(checked(Map.of("", merged.jobs()), methodName, nonFinite),
                            spec, output, false, evaluated, report, new SideOutputs(merged.learned(), merged.learnedTensors(), merged.corrections()));
                    case FusionResult.PerTaskModels perTask -> saveAndEvaluate(checked(perTask.models(), methodName, nonFinite), spec,
                            output, true, evaluated, report, SideOutputs.NONE);
                    case FusionResult.ContinualSteps steps -> saveAndEvaluateSteps(checked(steps.steps(), methodName, nonFinite),
                            steps.kept(), spec, output, evaluated, report);
                }
            }
            if (taskPool != null && withReference) {
                report.put("reference", reference(taskPool, loaded));
            }
            if (taskPool != null) {
                out.print(ReportTable.render(String.valueOf(arguments.getOrDefault("method", "task_arithmetic")), report.entries()));
                out.println();
            }
            if (reportPath != null) {
                AtomicFiles.writeString(reportPath, report.toPrettyJson() + "\n");
            }
            return report;
        }
    }

    /**
     * How the fused model is written besides its weights: the reference checkpoint's config.json and tokenizer files,
     * or for a sub-model of the checkpoints (a CLIP vision tower, a GPT-2 backbone) a config.json that says what it is.
     */
    private static FusedModelSpec fusedModelSpec(Path saveTo, LoadedPool loaded, Provenance provenance, String configText) {
        Optional<String> generated = loaded.generatedConfig();
        if (generated.isPresent()) {
            return new FusedModelSpec(saveTo, null, null, Map.of(), false, provenance, configText, Map.of("config.json", generated.get()));
        }
        Path sideFiles = loaded.checkpoint(loaded.pool().reference().name()).map(source -> source.checkpoint().directory()).orElse(null);
        return new FusedModelSpec(saveTo, sideFiles, null, Map.of(), true, provenance, configText);
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
                                 boolean perTask, ImageTaskPool taskPool, RunReport report,
                                 SideOutputs side) {
        long parameters = parameterCount(models);
        report.putModelInfo(parameters, parameters);
        side.learned().forEach(report::putLearned);
        if (output != null) {
            Path staging = output.stagingFor(new FusedModelWriter(engine).runKey(models, spec));
            save(perTask, models, spec, staging, FusedModelWriter.titleOf(output.target()));
            side.saveInto(staging);
            output.publish();
            evaluateIfAsked(taskPool, output.target(), perTask, report);
            side.evaluateUncorrected(taskPool, output.target(), engine.threads(), report);
            return;
        }
        try (ScratchDirectory scratch = ScratchDirectory.create()) {
            Path written = scratch.path().resolve("fused");
            FusedModelSpec unsaved = new FusedModelSpec(written, spec.sideFilesSource(), null, Map.of(), false,
                    spec.provenance(), spec.configText(), spec.generatedFiles());
            createDirectory(written);
            save(perTask, models, unsaved, written, "fused");
            side.saveInto(written);
            evaluateIfAsked(taskPool, written, perTask, report);
            side.evaluateUncorrected(taskPool, written, engine.threads(), report);
        }
    }

    /**
     * A continual method's steps, as FusionBench's continual programs keep them: the final model is the run's fused
     * model; with {@code kept.save()} the model after step i (0-based) is also saved as
     * {@code checkpoints/merged_model_i/} inside the output, and with {@code kept.evaluate()} it is evaluated on the
     * tasks of the models merged so far, as the report's {@code steps}.
     */
    private void saveAndEvaluateSteps(Map<String, List<TensorJob>> steps, StepOutputs kept, FusedModelSpec spec,
                                      OutputDirectory output, ImageTaskPool taskPool, RunReport report) {
        List<String> order = List.copyOf(steps.keySet());
        Map<String, List<TensorJob>> last = Map.of(order.getLast(), steps.get(order.getLast()));
        if (!kept.save()) {
            saveAndEvaluate(last, spec, output, false, taskPool, report, SideOutputs.NONE);
        } else {
            Path staging = output.stagingFor(new FusedModelWriter(engine).runKey(steps, spec));
            save(false, last, spec, staging, FusedModelWriter.titleOf(output.target()));
            for (int i = 0; i < order.size(); i++) {
                Path checkpoint = staging.resolve(STEP_CHECKPOINTS).resolve("merged_model_" + i);
                createDirectory(checkpoint);
                save(false, Map.of(order.get(i), steps.get(order.get(i))), spec, checkpoint, "merged_model_" + i);
            }
            output.publish();
            report.putModelInfo(parameterCount(last), parameterCount(last));
            evaluateIfAsked(taskPool, output.target(), false, report);
        }
        if (!kept.evaluate() || taskPool == null) {
            return;
        }
        Map<String, Object> rows = new LinkedHashMap<>();
        try (ScratchDirectory scratch = ScratchDirectory.create()) {
            for (int i = 0; i < order.size(); i++) {
                Path model;
                if (kept.save()) {
                    model = output.target().resolve(STEP_CHECKPOINTS).resolve("merged_model_" + i);
                } else {
                    model = scratch.path().resolve("merged_model_" + i);
                    createDirectory(model);
                    save(false, Map.of(order.get(i), steps.get(order.get(i))), new FusedModelSpec(model, spec.sideFilesSource(), null,
                            Map.of(), false, spec.provenance(), spec.configText(), spec.generatedFiles(), false), model, "merged_model_" + i);
                }
                List<String> seen = order.subList(0, i + 1).stream().filter(taskPool.taskNames()::contains).toList();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("model", order.get(i));
                if (!seen.isEmpty()) {
                    putResults(row, taskPool.evaluate(model, seen, engine.threads()));
                }
                rows.put("merged_model_" + i, row);
            }
        }
        report.put("steps", rows);
    }

    private static long parameterCount(Map<String, List<TensorJob>> models) {
        return models.values().iterator().next().stream().filter(job -> job.outputDType().isFloatingPoint())
                .mapToLong(job -> job.outputShape().elementCount()).sum();
    }

    /**
     * The pool as CLIP vision models: the reference model's config, the projection of the pretrained model (read from
     * its checkpoint, since a pool of vision towers hides it).
     */
    private static ClipVisionFamily clipFamily(LoadedPool loaded) {
        ModelPool pool = loaded.pool();
        CheckpointModelSource reference = loaded.requireCheckpoint(pool.reference(), "a CLIP model's config");
        ModelSource projection = pool.pretrained().flatMap(model -> loaded.checkpoint(model.name()).map(source -> source.named(model.name())))
                .orElse(null);
        return new ClipVisionFamily(ClipConfig.read(reference.checkpoint().directory().resolve("config.json")), projection,
                reference.named(pool.reference().name()));
    }

    /** The checkpoint whose visual_projection evaluates a pool of vision towers: the pretrained CLIP's, else the reference's. */
    private static Path projectionSource(LoadedPool loaded) {
        ModelPool pool = loaded.pool();
        return loaded.requireCheckpoint(pool.pretrained().orElse(pool.reference()), "the visual projection").checkpoint().directory();
    }

    private void evaluateIfAsked(ImageTaskPool taskPool, Path written, boolean perTask, RunReport report) {
        if (taskPool != null) {
            evaluate(taskPool, written, perTask, report);
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
        Object document = overridden(file, "task pool", "taskpool", arguments);
        if (document instanceof Map<?, ?> root && HubTaskPools.isHubTaskPool(castMap(root))) {
            return HubTaskPools.load(castMap(root), file.toAbsolutePath().getParent(), HubTaskPools.Caches.standard(), engine.threads());
        }
        return ImageTaskPool.fromDocument(document, file);
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
    private Map<String, Object> reference(ImageTaskPool taskPool, LoadedPool loaded) {
        ModelPool pool = loaded.pool();
        Map<String, Object> reference = new LinkedHashMap<>();
        if (pool.pretrained().isPresent()) {
            Map<String, Object> rows = new LinkedHashMap<>();
            putResults(rows, cachedEvaluation(taskPool, loaded.requireCheckpoint(pool.pretrained().get(), "evaluating it"),
                    taskPool.taskNames()));
            reference.put("pretrained", rows);
        }
        Map<String, TaskMetrics> individual = new LinkedHashMap<>();
        for (String task : taskPool.taskNames()) {
            for (ModelSource model : pool.models()) {
                if (model.name().equals(task)) {
                    individual.putAll(cachedEvaluation(taskPool, loaded.requireCheckpoint(model, "evaluating it"), List.of(task)));
                }
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

    private Provenance provenance(Map<String, Object> arguments, LoadedPool loaded, long seed) {
        List<String> names = new ArrayList<>();
        for (CheckpointModelSource source : loaded.opened()) {
            // a pool model by its pool name; a LoRA adapter or base by its own
            String name = source.name();
            for (ModelSource model : loaded.pool().allModels()) {
                if (loaded.checkpoint(model.name()).orElse(null) == source) {
                    name = model.name();
                }
            }
            names.add(name);
        }
        List<Provenance.Input> inputs = Provenance.describe(names, loaded.opened(), digests, engine.workers(), engine.progress());
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

    @SuppressWarnings("unchecked")
    private static Map<String, ?> castMap(Map<?, ?> map) {
        return (Map<String, ?>) map;
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

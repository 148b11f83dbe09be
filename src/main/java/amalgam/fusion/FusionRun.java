package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import amalgam.io.YamlDocuments;
import amalgam.io.FileDigests;
import amalgam.io.OutputDirectory;
import amalgam.io.ScratchDirectory;
import amalgam.linalg.LinearAlgebra;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.taskpool.HubTaskPools;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.fusion.taskpool.LanguageTaskPool;
import amalgam.fusion.taskpool.TaskPool;
import amalgam.model.lm.eval.LmTaskPool;
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
import amalgam.model.moe.MixtureDescription;
import amalgam.model.moe.MoeCheckpoint;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code amalgam run} program: reads the run's keys, loads the model pool, plans the method, writes the fused
 * model (when asked) and builds the report. Task pools other than {@code dummy} arrive with the built-in
 * benchmark; until then a run fuses and reports parameter counts.
 */
public final class FusionRun {
    /** Where a continual method's model after every step is saved, inside the output: FusionBench's folder name. */
    static final String STEP_CHECKPOINTS = "checkpoints";

    private final EngineOptions engine;
    private final BuiltInPools builtIn;
    private final ReferenceCache cache;
    private final FileDigests digests = FileDigests.standard();
    private boolean allowNonFinite;
    private boolean withValidation;
    private java.util.function.Consumer<Provenance> provenanceListener = provenance -> { };

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
     * Also evaluates every fused model on the task pool's validation splits (when every task has one), reported under
     * {@code validation}: what a sweep chooses its best point by, never the test split.
     */
    public FusionRun evaluatingOnValidation(boolean validation) {
        this.withValidation = validation;
        return this;
    }

    /** {@code listener} receives each run's provenance as soon as it is known (the run records keep it). */
    public FusionRun reportingProvenanceTo(java.util.function.Consumer<Provenance> listener) {
        this.provenanceListener = listener;
        return this;
    }

    /**
     * Runs the program and returns its report; with a task pool, the readable table is printed to {@code out} first.
     * Reference rows are evaluated when asked, and by default for the built-in benchmark.
     */
    public RunReport run(RunSpec given, PrintWriter out) {
        RunSpec spec = given.fastDevRun() ? given.withMethodParameters(FastDevRun.capSteps(given.method(), given.methodParameters()))
                : given;
        boolean builtInPool = spec.modelPool() instanceof RunSpec.Pool.BuiltIn;
        long seed = spec.seed();
        FusionMethod method = MethodRegistry.create(spec.method(), spec.methodParameters());
        NonFiniteInputs nonFinite = NonFiniteInputs.of(allowNonFinite);
        Path poolFile;
        Object poolDocument;
        String poolName;
        switch (spec.modelPool()) {
            case RunSpec.Pool.BuiltIn builtInModels -> {
                poolFile = builtIn.modelPoolFile().get();
                poolDocument = YamlDocuments.read(poolFile, "model pool");
                poolName = poolFile.toString();
            }
            case RunSpec.Pool.Document document -> {
                poolFile = document.file();
                poolDocument = document.document();
                poolName = document.name();
            }
            case RunSpec.Pool.None none -> throw new UserInputException("the run needs a model pool");
        }
        if (PoolEntry.backbone(poolDocument).isPresent() && !(spec.taskPool() instanceof RunSpec.Pool.None)) {
            throw new UserInputException("model pool '" + poolName + "' holds image classifiers merged at their backbone (each task"
                    + " keeps its own head, saved in heads/); amalgam's task pools evaluate CLIP models, so run it with taskpool=dummy");
        }
        TaskPool taskPool = taskPool(spec.taskPool());
        if (spec.fastDevRun() && taskPool != null) {
            taskPool = taskPool.firstBatches(FastDevRun.BATCHES);
        }
        boolean withReference = spec.reference() != null ? spec.reference() : builtInPool && taskPool != null;
        try (LoadedPool loaded = LoadedPool.open(poolDocument, poolName, poolFile, Path.of("").toAbsolutePath(), nonFinite)) {
            ModelPool pool = loaded.pool();
            if (loaded.visionTowers() && taskPool instanceof ImageTaskPool images) {
                taskPool = images.withProjectionFallback(projectionSource(loaded));
            }
            if (taskPool instanceof LanguageTaskPool language) {
                // a task model named as a task lends its classifier head to a merged backbone evaluated on that task
                Map<String, Path> classifiers = new LinkedHashMap<>();
                for (ModelSource model : pool.models()) {
                    if (language.taskNames().contains(model.name())) {
                        loaded.checkpoint(model.name()).ifPresent(source -> classifiers.put(model.name(), source.checkpoint().directory()));
                    }
                }
                taskPool = language.withTokenizerFallback(loaded.requireCheckpoint(pool.reference(), "its tokenizer").checkpoint().directory())
                        .withClassifiers(classifiers).withTrainDatasets(poolDocument, HubTaskPools.Caches.standard().hub());
            }
            Path saveTo = spec.mergedModelSavePath();
            Path reportPath = spec.reportSavePath();
            List<Path> inputs = inputsOf(loaded.opened(), poolFile, spec.taskPool());
            if (reportPath != null) {
                RunReport.checkReplaceable(reportPath, inputs);
            }
            RunReport report = new RunReport();
            TaskPool evaluated = taskPool;
            ImageTaskPool images = taskPool instanceof ImageTaskPool imageTasks ? imageTasks : null;
            try (OutputDirectory output = saveTo == null ? null : OutputDirectory.claim(saveTo, inputs)) {
                String methodName = spec.method();
                FusionData data = images == null ? null : new FusionData(images, clipFamily(loaded));
                FusionContext context = new FusionContext(pool, seed, engine.threads(), data, saveTo != null,
                        engine.workers().parallel(), evaluated instanceof LanguageTaskPool language ? language : null);
                TaskHeads heads = TaskHeads.of(pool);
                Optional<MixtureDescription> savedMixture = SavedMixtures.reopened(loaded, method);
                FusionResult fused = TensorInputs.withReference(pool.reference().name(), () -> method.fuse(context));
                FusionResult result = savedMixture.isPresent() && fused instanceof FusionResult.MergedModel unchanged
                        ? new FusionResult.Mixture(unchanged.jobs(), savedMixture.get()) : fused;
                nonFinite.planned();
                Provenance provenance = provenance(spec, loaded);
                provenanceListener.accept(provenance);
                FusedModelSpec written = fusedModelSpec(saveTo, loaded, provenance, spec.configText(), spec.saveTokenizer());
                switch (result) {
                    case FusionResult.Ensemble ensemble -> {
                        if (evaluated instanceof LanguageTaskPool) {
                            throw new UserInputException("method '" + methodName + "' builds an ensemble, which amalgam evaluates on image"
                                    + " task pools only; run it with taskpool=dummy");
                        }
                        report.putResults(new EnsembleOutput(ensemble, () -> clipFamily(loaded), engine).saveAndEvaluate(output,
                                written, images, report));
                    }
                    case FusionResult.MergedModel merged -> saveAndEvaluate(checked(Map.of("", merged.jobs()), methodName, nonFinite),
                            written, output, false, evaluated, report, new SideOutputs(merged.learned(), merged.learnedTensors(), merged.corrections(), heads));
                    case FusionResult.RestructuredModel restructured -> saveAndEvaluate(checked(Map.of("", restructured.jobs()),
                            methodName, nonFinite), written.withGeneratedFile("config.json", loaded.restructuredConfig(restructured.config())),
                            output, false, evaluated, report, SideOutputs.heads(heads));
                    case FusionResult.Mixture mixture -> {
                        Map<String, List<TensorJob>> jobs = checked(Map.of("", mixture.jobs()), methodName, nonFinite);
                        saveAndEvaluate(jobs, written.withGeneratedFile(MoeCheckpoint.FILE, MoeCheckpoint.toJson(mixture.description())),
                                output, false, evaluated, report, SideOutputs.heads(heads));
                        // FusionBench counts a mixture's trained routers as its trainable parameters
                        mixture.description().trainableParameters().ifPresent(trainable ->
                                report.putModelInfo(trainable, parameterCount(jobs)));
                    }
                    case FusionResult.PerTaskModels perTask -> saveAndEvaluate(checked(perTask.models(), methodName, nonFinite), written,
                            output, true, evaluated, report, SideOutputs.heads(heads));
                    case FusionResult.ContinualSteps steps -> saveAndEvaluateSteps(checked(steps.steps(), methodName, nonFinite),
                            steps.kept(), written, output, evaluated, report, heads);
                }
            }
            if (taskPool != null && withReference) {
                putReference(report, taskPool, loaded);
            }
            if (taskPool != null) {
                out.print(ReportTable.render(spec.method(), report));
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
    private static FusedModelSpec fusedModelSpec(Path saveTo, LoadedPool loaded, Provenance provenance, String configText,
                                                 boolean saveTokenizer) {
        Optional<String> generated = loaded.generatedConfig();
        if (generated.isPresent()) {
            return new FusedModelSpec(saveTo, null, null, Map.of(), false, provenance, configText, Map.of("config.json", generated.get()));
        }
        Path sideFiles = loaded.checkpoint(loaded.pool().reference().name()).map(source -> source.checkpoint().directory()).orElse(null);
        return new FusedModelSpec(saveTo, sideFiles, null, Map.of(), saveTokenizer, provenance, configText);
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
                                 boolean perTask, TaskPool taskPool, RunReport report,
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
            side.evaluateUncorrected(imageTasks(taskPool), output.target(), engine.threads(), report);
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
            side.evaluateUncorrected(imageTasks(taskPool), written, engine.threads(), report);
        }
    }

    /**
     * A continual method's steps, as FusionBench's continual programs keep them: the final model is the run's fused
     * model; with {@code kept.save()} the model after step i (0-based) is also saved as
     * {@code checkpoints/merged_model_i/} inside the output, and with {@code kept.evaluate()} it is evaluated on the
     * tasks of the models merged so far, as the report's {@code steps}.
     */
    private void saveAndEvaluateSteps(Map<String, List<TensorJob>> steps, StepOutputs kept, FusedModelSpec spec,
                                      OutputDirectory output, TaskPool taskPool, RunReport report, TaskHeads heads) {
        List<String> order = List.copyOf(steps.keySet());
        Map<String, List<TensorJob>> last = Map.of(order.getLast(), steps.get(order.getLast()));
        if (!kept.save()) {
            saveAndEvaluate(last, spec, output, false, taskPool, report, SideOutputs.heads(heads));
        } else {
            Path staging = output.stagingFor(new FusedModelWriter(engine).runKey(steps, spec));
            save(false, last, spec, staging, FusedModelWriter.titleOf(output.target()));
            heads.saveInto(staging);
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
        List<RunReport.Step> rows = new ArrayList<>();
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
                rows.add(new RunReport.Step(order.get(i), seen.isEmpty() ? Map.of() : taskPool.evaluate(model, seen, engine.threads())));
            }
        }
        report.putSteps(rows);
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

    private static ImageTaskPool imageTasks(TaskPool taskPool) {
        return taskPool instanceof ImageTaskPool images ? images : null;
    }

    private void evaluateIfAsked(TaskPool taskPool, Path written, boolean perTask, RunReport report) {
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
    private static List<Path> inputsOf(List<CheckpointModelSource> opened, Path poolFile, RunSpec.Pool taskPool) {
        List<Path> inputs = new ArrayList<>();
        for (CheckpointModelSource source : opened) {
            inputs.add(source.checkpoint().directory());
            inputs.addAll(source.checkpoint().files());
        }
        if (poolFile != null) {
            inputs.add(poolFile);
        }
        if (taskPool instanceof RunSpec.Pool.Document document && document.file() != null) {
            inputs.add(document.file());
        }
        return inputs;
    }

    private TaskPool taskPool(RunSpec.Pool pool) {
        return switch (pool) {
            case RunSpec.Pool.None none -> null;
            case RunSpec.Pool.BuiltIn builtInTasks -> builtIn.taskPool().get();
            case RunSpec.Pool.Document document -> {
                Path file = document.file() != null ? document.file() : Path.of("").toAbsolutePath().resolve("taskpool.yaml");
                if (LmTaskPool.isLanguageTaskPool(document.document())) {
                    yield LanguageTaskPool.fromDocument(document.document(), file, HubTaskPools.Caches.standard().hub());
                }
                if (HubTaskPools.isHubTaskPool(document.document())) {
                    yield HubTaskPools.load(document.document(), file.toAbsolutePath().getParent(), HubTaskPools.Caches.standard(),
                            engine.threads());
                }
                yield ImageTaskPool.fromDocument(document.document(), file);
            }
        };
    }

    /** Per-task results plus their average; a per-task method's DIR/TASK model is evaluated on its own task. */
    private void evaluate(TaskPool taskPool, Path fused, boolean perTask, RunReport report) {
        report.putResults(metrics(taskPool, fused, perTask));
        if (withValidation) {
            taskPool.onValidation().ifPresent(validation -> report.putValidation(metrics(validation, fused, perTask)));
        }
    }

    private Map<String, TaskMetrics> metrics(TaskPool taskPool, Path fused, boolean perTask) {
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
        return results;
    }

    /**
     * The pretrained model on every task and each task's own fine-tuned model on it (FusionBench's reference rows).
     * These models do not change between runs, so their results come from the reference cache when it has them.
     */
    private void putReference(RunReport report, TaskPool taskPool, LoadedPool loaded) {
        ModelPool pool = loaded.pool();
        Map<String, TaskMetrics> pretrained = pool.pretrained().isEmpty() ? null
                : cachedEvaluation(taskPool, loaded.requireCheckpoint(pool.pretrained().get(), "evaluating it"), taskPool.taskNames());
        Map<String, TaskMetrics> individual = new LinkedHashMap<>();
        for (String task : taskPool.taskNames()) {
            for (ModelSource model : pool.models()) {
                if (model.name().equals(task)) {
                    individual.putAll(cachedEvaluation(taskPool, loaded.requireCheckpoint(model, "evaluating it"), List.of(task)));
                }
            }
        }
        report.putReference(pretrained, individual);
    }

    private Map<String, TaskMetrics> cachedEvaluation(TaskPool taskPool, CheckpointModelSource model, List<String> tasks) {
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

    /** One model written into {@code directory}, or for a per-task method DIR/TASK/ for every task. */
    private void save(boolean perTask, Map<String, List<TensorJob>> models, FusedModelSpec spec, Path directory, String title) {
        FusedModelWriter writer = new FusedModelWriter(engine);
        if (perTask) {
            writer.writePerTaskInto(directory, models, spec);
        } else {
            writer.writeInto(directory, title, models.values().iterator().next(), spec);
        }
    }

    private Provenance provenance(RunSpec spec, LoadedPool loaded) {
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
        String method = spec.method();
        // every parameter with its resolved value (the declared defaults too), not only the ones given
        MethodDeclaration declaration = MethodRegistry.resolve(method);
        Map<String, Object> parameters = MethodParameters.resolve(declaration.configName(), declaration.parameters(),
                spec.methodParameters()).asMap();
        return new Provenance(method, "fusionbench", parameters, inputs, spec.seed(),
                Provenance.software(amalgam.merge.Versions.amalgam(), LinearAlgebra.backend()));
    }
}

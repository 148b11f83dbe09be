package amalgam.fusion.method;

import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.fusion.tta.ConcreteMask;
import amalgam.fusion.tta.ConcreteMaskedAdaMerging;
import amalgam.fusion.tta.EntropyMinimization;
import amalgam.fusion.tta.ImageTerms;
import amalgam.fusion.tta.EntropyObjective;
import amalgam.fusion.tta.TestTimeTasks;
import amalgam.fusion.tta.TowerWeights;
import amalgam.merge.ModelSource;
import amalgam.merge.Progress;
import amalgam.nn.Var;
import amalgam.nn.optim.AdamW;
import amalgam.parallel.Parallel;
import amalgam.param.Domain;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Concrete AdaMerging (Tang et al. 2023, "Concrete Subspace Learning based Interference Elimination for Multi-task
 * Model Fusion"), FusionBench's {@code concrete_subspace/clip_concrete_task_wise_adamerging} and
 * {@code clip_concrete_layer_wise_adamerging}: AdaMerging over task vectors seen through one Concrete mask shared by
 * all tasks,
 * <pre>
 *   theta = theta0 + m~ (.) sum_i lambda_i tau_i        (lambda task-wise [T] or layer-wise [T, L])
 * </pre>
 * learned in two phases on unlabeled test batches (entropy, {@link EntropyObjective}):
 * <ol>
 *   <li>Mask meta-learning, {@code max_steps} steps. Each step samples m~ (continuous, temperature T); computes the
 *       entropy at the current lambda with m~ held constant and its gradient to lambda; resets lambda to
 *       {@code scaling_factor} and takes one step of a persistent Adam (lr {@code base_lr}) from there; then, with
 *       that lambda held constant and m~ differentiable, takes the entropy on the next batches and one Adam step
 *       (lr {@code lr}) on the mask logits. (The inner gradient is taken at the previous step's adapted lambda but
 *       applied from the reset value, as FusionBench does.)</li>
 *   <li>AdaMerging with the mask fixed: one more sample of the {@code eval_mask_type} mask (continuous, or
 *       Bernoulli(sigmoid l)), divided by its mean per tensor; lambda reset to {@code scaling_factor}; AdaMerging for
 *       {@code max_adamerging_steps} steps (Adam, lr {@code adamerging_lr}) over the masked task vectors m~ (.) tau_i,
 *       continuing the same batch stream.</li>
 * </ol>
 * The fused model is theta0 + sum_i lambda_i (m~ (.) tau_i); the learned coefficients ({@code merging_weights}), each
 * tensor's mean keep probability ({@code mask_keep_probability}) and the mask logits ({@code mask_logits}) are saved
 * beside it, the first two shown in the report. {@code mask_checkpoint=FILE} loads saved mask logits and skips phase 1.
 * {@code num_workers}, {@code merge_dtype},
 * {@code save_interval}, {@code tie_weights}, {@code strict} and {@code cache_dir} are accepted without effect.
 */
public final class ConcreteAdaMerging implements FusionMethod {
    /**
     * @param method          the config name
     * @param granularity     task-wise or layer-wise coefficients
     * @param maskRate        Adam's learning rate on the mask logits ({@code lr})
     * @param innerRate       the coefficients' inner learning rate ({@code base_lr})
     * @param adaMergingRate  phase 2's learning rate ({@code adamerging_lr})
     * @param scalingFactor   the coefficients' start and reset value
     * @param initialLogit    every mask logit's start
     * @param temperature     the Concrete temperature
     * @param discrete        whether phase 2's mask is a Bernoulli sample (else a Concrete one)
     * @param clamp           whether the merge reads clamp(lambda, 0, 1)
     * @param batchSize       test images per task and pass
     * @param maskSteps       phase 1 steps
     * @param adaMergingSteps phase 2 steps
     * @param maskCheckpoint  saved mask logits that replace phase 1 (null: learn them)
     */
    public record Settings(String method, AdaMerging.Granularity granularity, float maskRate, float innerRate, float adaMergingRate,
                           float scalingFactor, float initialLogit, float temperature, boolean discrete, boolean clamp, int batchSize,
                           long maskSteps, long adaMergingSteps, java.nio.file.Path maskCheckpoint) {
    }

    public static final MethodDeclaration TASK_WISE = declaration(AdaMerging.Granularity.TASK_WISE,
            "concrete_subspace/clip_concrete_task_wise_adamerging", "task-wise AdaMerging through a meta-learned shared Concrete mask");
    public static final MethodDeclaration LAYER_WISE = declaration(AdaMerging.Granularity.LAYER_WISE,
            "concrete_subspace/clip_concrete_layer_wise_adamerging", "layer-wise AdaMerging through a meta-learned shared Concrete mask");

    private final Settings settings;

    public ConcreteAdaMerging(Settings settings) {
        this.settings = settings;
    }

    private static MethodDeclaration declaration(AdaMerging.Granularity granularity, String name, String summary) {
        return new MethodDeclaration(name, List.of(), summary, List.of(
                ParameterSpec.of("batch_size", ParameterType.INT, 16, Domain.integersFrom(1), "test images per task and pass"),
                ParameterSpec.of("num_workers", ParameterType.INT, 8, Domain.integersFrom(0), "accepted for compatibility; no effect"),
                ParameterSpec.nullable("merge_dtype", ParameterType.STRING, null, "accepted for compatibility; float32 always"),
                ParameterSpec.of("optimizer", ParameterType.STRING, "adam", "the optimizer (adam only)"),
                ParameterSpec.of("lr", ParameterType.FLOAT, 1e-3, Domain.POSITIVE, "Adam's learning rate on the mask logits"),
                ParameterSpec.of("base_lr", ParameterType.FLOAT, 1.0, Domain.POSITIVE, "the coefficients' inner learning rate (phase 1)"),
                ParameterSpec.of("adamerging_lr", ParameterType.FLOAT, 1e-3, Domain.POSITIVE, "AdaMerging's learning rate (phase 2)"),
                ParameterSpec.of("scaling_factor", ParameterType.FLOAT, 0.3, Domain.REAL, "the coefficients' start and reset value"),
                ParameterSpec.of("max_steps", ParameterType.INT, 1000, Domain.integersFrom(0), "mask meta-learning steps (phase 1)"),
                ParameterSpec.of("max_adamerging_steps", ParameterType.INT, 1000, Domain.integersFrom(0), "AdaMerging steps (phase 2)"),
                ParameterSpec.of("save_interval", ParameterType.INT, 500, Domain.integersFrom(1), "accepted for compatibility; no effect"),
                ParameterSpec.of("initial_logits", ParameterType.FLOAT, 0.0, Domain.REAL, "every mask logit's start"),
                ParameterSpec.of("temperature", ParameterType.FLOAT, 0.5, Domain.POSITIVE, "the Concrete temperature T"),
                ParameterSpec.of("eval_mask_type", ParameterType.STRING, "continuous", "phase 2's mask: continuous or discrete"),
                ParameterSpec.nullable("mask_checkpoint", ParameterType.STRING, null,
                        "saved mask logits (mask_logits.safetensors of an earlier run): use them and skip phase 1"),
                ParameterSpec.of("clamp_weights", ParameterType.BOOL, false, "clamp the coefficients to [0, 1] in the merge"),
                ParameterSpec.of("tie_weights", ParameterType.BOOL, true, "accepted for compatibility; no effect"),
                ParameterSpec.of("strict", ParameterType.BOOL, false, "accepted for compatibility; no effect"),
                ParameterSpec.of("cache_dir", ParameterType.STRING, "outputs", "accepted for compatibility; no effect")),
                parameters -> create(parameters, granularity));
    }

    private static ConcreteAdaMerging create(MethodParameters parameters, AdaMerging.Granularity granularity) {
        String method = parameters.method();
        TestTimeOptions.requireAdam(parameters);
        boolean discrete = TestTimeOptions.discreteEvalMask(parameters);
        return new ConcreteAdaMerging(new Settings(method, granularity, (float) parameters.getDouble("lr"),
                (float) parameters.getDouble("base_lr"), (float) parameters.getDouble("adamerging_lr"),
                (float) parameters.getDouble("scaling_factor"), (float) parameters.getDouble("initial_logits"),
                (float) parameters.getDouble("temperature"), discrete, parameters.getBoolean("clamp_weights"),
                Math.toIntExact(Math.min(parameters.getLong("batch_size"), Integer.MAX_VALUE)), parameters.getLong("max_steps"),
                parameters.getLong("max_adamerging_steps"), TestTimeOptions.maskCheckpoint(parameters)));
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        String method = settings.method();
        try (Arena arena = Arena.ofShared()) {
            TowerWeights tower = TowerWeights.ofRun(context, method, arena);
            FusionData data = context.requireData(method);
            List<String> modelNames = context.pool().models().stream().map(ModelSource::name).toList();
            TestTimeTasks batches = new TestTimeTasks(data.taskPool(), modelNames, settings.batchSize(),
                    data.family().model().config().vision().imageSize(), context.seed(), arena);
            SplittableRandom random = new SplittableRandom(context.seed()).split().split(); // apart from the batches' streams
            ConcreteMask.Noise noise = new ConcreteMask.Noise(tower.base());
            try {
                List<String> columns = AdaMerging.columns(tower.names(), settings.granularity());
                Map<String, Integer> groupOf = AdaMerging.groups(tower.names(), settings.granularity());
                ConcreteMaskedAdaMerging.ModeSwitch mode = new ConcreteMaskedAdaMerging.ModeSwitch();
                Supplier<ConcreteMaskedAdaMerging> expressions = () -> new ConcreteMaskedAdaMerging(tower.base(), tower.taskVectors(),
                        columns.size(), groupOf::get, settings.scalingFactor(), settings.clamp(), noise, settings.temperature(),
                        settings.initialLogit(), mode);
                try (ConcreteMaskedAdaMerging theta = expressions.get()) {
                    if (settings.maskCheckpoint() != null) {
                        theta.mask().load(settings.maskCheckpoint(), "parameter 'mask_checkpoint' of method '" + method + "'");
                    } else {
                        learnMask(theta, expressions, mode, noise, random, tower, data, batches, context.threads());
                    }
                    Map<String, Tensor> mask = ConcreteMask.divideByMean(theta.mask().finalSample(settings.discrete(), random, arena));
                    AdaMerging adaMerging = new AdaMerging(new AdaMerging.Settings(method, settings.granularity(), null,
                            settings.adaMergingRate(), settings.scalingFactor(), settings.clamp(), settings.batchSize(),
                            settings.adaMergingSteps(), "merging_weights"));
                    AdaMerging.Learned learned = adaMerging.learn(masked(tower, mask, arena), modelNames, data, () -> batches,
                            false, settings.scalingFactor(), context.threads());
                    return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), learned.tower()),
                            List.of(learned.table(), theta.mask().keepTable()), List.of(theta.mask().logitsFile()),
                            new LinkedHashMap<>());
                }
            } finally {
                noise.free();
            }
        }
    }

    /** Phase 1: the mask logits (and, transiently, the coefficients) trained as the class comment describes. */
    private void learnMask(ConcreteMaskedAdaMerging theta, Supplier<ConcreteMaskedAdaMerging> expressions,
                           ConcreteMaskedAdaMerging.ModeSwitch mode, ConcreteMask.Noise noise, SplittableRandom random,
                           TowerWeights tower, FusionData data, TestTimeTasks batches, int threads) {
        if (settings.maskSteps() == 0) {
            return;
        }
        EntropyObjective objective = new EntropyObjective(data.family().model(), tower.projection(), batches.heads());
        float[] reset = theta.lambdas().value().toFloatArray();
        float[] losses = new float[Math.toIntExact(settings.maskSteps())];
        long update = 0;
        try (EntropyMinimization.Passes<?> passes = new EntropyMinimization.Passes<>(theta, expressions, new ImageTerms(objective, batches), threads);
             AdamW inner = new AdamW(List.of(theta.lambdas()), AdamW.Settings.defaults(0f), new Parallel(1));
             AdamW outer = new AdamW(theta.mask().logits(), AdamW.Settings.defaults(0f), new Parallel(1));
             Progress progress = Progress.start(settings.method() + " (mask, 1/2)", settings.maskSteps(), true)) {
            for (int step = 0; step < losses.length; step++) {
                noise.resample(random);
                mode.set(ConcreteMaskedAdaMerging.Mode.COEFFICIENTS);
                passes.pass();
                long t0 = System.nanoTime();
                setValues(theta.lambdas(), reset);
                inner.step(settings.innerRate());
                update += System.nanoTime() - t0;
                mode.set(ConcreteMaskedAdaMerging.Mode.MASK);
                float loss = passes.pass();
                long t1 = System.nanoTime();
                outer.step(settings.maskRate());
                update += System.nanoTime() - t1;
                losses[step] = loss;
                progress.message(String.format(Locale.ROOT, "loss %.4f", loss));
                progress.step();
            }
            System.err.println(settings.method() + " (mask): " + passes.outcome(losses, update).summary());
        }
    }

    private static void setValues(Var leaf, float[] values) {
        for (int i = 0; i < values.length; i++) {
            leaf.value().setFloat(i, values[i]);
        }
    }

    /** The tower with every task vector seen through {@code mask}: m~ (.) tau_i, written into {@code arena}. */
    private static TowerWeights masked(TowerWeights tower, Map<String, Tensor> mask, Arena arena) {
        List<Map<String, Tensor>> vectors = new ArrayList<>();
        for (Map<String, Tensor> tau : tower.taskVectors()) {
            Map<String, Tensor> maskedTau = new LinkedHashMap<>();
            tau.forEach((name, values) -> {
                Tensor out = Tensor.allocate(arena, DType.F32, values.shape());
                amalgam.tensor.kernel.F32Kernels.multiply(values.data(), mask.get(name).data(), out.data(), out.elementCount());
                maskedTau.put(name, out);
            });
            vectors.add(maskedTau);
        }
        return new TowerWeights(tower.names(), tower.base(), vectors, tower.projection());
    }
}

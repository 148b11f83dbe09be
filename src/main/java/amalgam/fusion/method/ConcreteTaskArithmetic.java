package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.LearnedCoefficients;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.fusion.tta.ConcreteMask;
import amalgam.fusion.tta.ConcreteMaskedTaskArithmetic;
import amalgam.fusion.tta.EntropyMinimization;
import amalgam.fusion.tta.EntropyObjective;
import amalgam.fusion.tta.TestTimeTasks;
import amalgam.fusion.tta.TowerWeights;
import amalgam.merge.ModelSource;
import amalgam.nn.Var;
import amalgam.param.Domain;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Concrete subspace learning with task arithmetic (Tang et al. 2023, "Concrete Subspace Learning based Interference
 * Elimination for Multi-task Model Fusion"), FusionBench's {@code concrete_subspace/clip_concrete_task_arithmetic}:
 * one mask over every element of the vision tower, shared by all tasks, learned at test time by minimising the
 * summed entropy of the zero-shot predictions on unlabeled test batches, through a Concrete (relaxed Bernoulli)
 * sample per step ({@link ConcreteMaskedTaskArithmetic}):
 * <pre>
 *   theta = theta0 + s * m~ (.) sum_i tau_i,   m~ = m / mean(m) per tensor,   m = sigmoid((l + ln u - ln(1-u)) / T)
 * </pre>
 * with s = {@code scaling_factor} fixed, T = {@code temperature}, logits l starting at {@code initial_logits} and
 * trained by Adam for {@code max_steps} steps. The fused model uses one more sample of the {@code eval_mask_type}
 * mask (continuous: a new Concrete sample, so the model is itself random, drawn from the run's seed; discrete:
 * Bernoulli(sigmoid l); an all-zero discrete mask of a tensor keeps theta0 there, where FusionBench would divide by
 * zero). The report shows each tensor's mean keep probability mean(sigmoid(l)); the logits themselves are saved beside
 * the model ({@code mask_logits.safetensors}), and {@code mask_checkpoint=FILE} starts from such a file without
 * training. {@code num_workers}, {@code merge_dtype}, {@code clamp_weights} (unused by the task arithmetic variant) and
 * {@code save_interval} are accepted without effect.
 */
public final class ConcreteTaskArithmetic implements FusionMethod {
    /**
     * @param method        the config name
     * @param learningRate  Adam's learning rate
     * @param scalingFactor s
     * @param initialLogit  every mask logit's start
     * @param temperature   T
     * @param discrete      whether the fused model's mask is a Bernoulli sample (else a Concrete one)
     * @param batchSize     test images per task and step
     * @param steps         optimizer steps (0 with skip_training or a mask checkpoint)
     * @param maskCheckpoint saved mask logits to use instead of training (null: train)
     */
    public record Settings(String method, float learningRate, float scalingFactor, float initialLogit, float temperature,
                           boolean discrete, int batchSize, long steps, java.nio.file.Path maskCheckpoint) {
    }

    public static final MethodDeclaration DECLARATION = new MethodDeclaration("concrete_subspace/clip_concrete_task_arithmetic",
            List.of(), "task arithmetic through a shared Concrete mask learned by test-time entropy minimisation",
            List.of(ParameterSpec.of("batch_size", ParameterType.INT, 16, Domain.integersFrom(1), "test images per task and step"),
                    ParameterSpec.of("num_workers", ParameterType.INT, 8, Domain.integersFrom(0), "accepted for compatibility; no effect"),
                    ParameterSpec.nullable("merge_dtype", ParameterType.STRING, null, "accepted for compatibility; float32 always"),
                    ParameterSpec.of("optimizer", ParameterType.STRING, "adam", "the optimizer (adam only)"),
                    ParameterSpec.of("lr", ParameterType.FLOAT, 1e-3, Domain.POSITIVE, "Adam's learning rate"),
                    ParameterSpec.of("scaling_factor", ParameterType.FLOAT, 0.3, Domain.REAL, "s, the task vectors' fixed scale"),
                    ParameterSpec.of("initial_logits", ParameterType.FLOAT, 0.0, Domain.REAL, "every mask logit's start"),
                    ParameterSpec.of("temperature", ParameterType.FLOAT, 0.5, Domain.POSITIVE, "the Concrete temperature T"),
                    ParameterSpec.of("eval_mask_type", ParameterType.STRING, "continuous", "the fused model's mask: continuous or discrete"),
                    ParameterSpec.nullable("mask_checkpoint", ParameterType.STRING, null,
                            "saved mask logits (mask_logits.safetensors of an earlier run): use them, no training"),
                    ParameterSpec.of("clamp_weights", ParameterType.BOOL, false, "accepted for compatibility; no effect"),
                    ParameterSpec.of("tie_weights", ParameterType.BOOL, true, "accepted for compatibility; no effect"),
                    ParameterSpec.of("strict", ParameterType.BOOL, false, "accepted for compatibility; no effect"),
                    ParameterSpec.of("cache_dir", ParameterType.STRING, "outputs", "accepted for compatibility; no effect"),
                    ParameterSpec.of("save_interval", ParameterType.INT, 500, Domain.integersFrom(1), "accepted for compatibility; no effect"),
                    ParameterSpec.of("max_steps", ParameterType.INT, 2000, Domain.integersFrom(0), "optimizer steps"),
                    ParameterSpec.of("skip_training", ParameterType.BOOL, false, "use the initial logits without training")),
            ConcreteTaskArithmetic::create);

    private final Settings settings;

    public ConcreteTaskArithmetic(Settings settings) {
        this.settings = settings;
    }

    private static ConcreteTaskArithmetic create(MethodParameters parameters) {
        String method = parameters.method();
        TestTimeOptions.requireAdam(parameters);
        boolean discrete = TestTimeOptions.discreteEvalMask(parameters);
        return new ConcreteTaskArithmetic(new Settings(method, (float) parameters.getDouble("lr"),
                (float) parameters.getDouble("scaling_factor"), (float) parameters.getDouble("initial_logits"),
                (float) parameters.getDouble("temperature"), discrete,
                Math.toIntExact(Math.min(parameters.getLong("batch_size"), Integer.MAX_VALUE)),
                parameters.getBoolean("skip_training") || TestTimeOptions.maskCheckpoint(parameters) != null ? 0
                        : parameters.getLong("max_steps"), TestTimeOptions.maskCheckpoint(parameters)));
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        String method = settings.method();
        try (Arena arena = Arena.ofShared()) {
            TowerWeights tower = TowerWeights.ofRun(context, method, arena);
            FusionData data = context.requireData(method);
            List<String> modelNames = context.pool().models().stream().map(ModelSource::name).toList();
            Map<String, Tensor> taskSum = ConcreteMaskedTaskArithmetic.taskSum(tower.base(), tower.taskVectors(), arena);
            ConcreteMask.Noise noise = new ConcreteMask.Noise(tower.base());
            SplittableRandom random = new SplittableRandom(context.seed()).split().split(); // apart from the batches' streams
            Supplier<ConcreteMaskedTaskArithmetic> expressions = () -> new ConcreteMaskedTaskArithmetic(tower.base(), taskSum,
                    noise, settings.scalingFactor(), settings.temperature(), settings.initialLogit());
            try (ConcreteMaskedTaskArithmetic theta = expressions.get()) {
                if (settings.maskCheckpoint() != null) {
                    theta.mask().load(settings.maskCheckpoint(), "parameter 'mask_checkpoint' of method '" + method + "'");
                }
                if (settings.steps() > 0) {
                    TestTimeTasks tasks = new TestTimeTasks(data.taskPool(), modelNames, settings.batchSize(),
                            data.family().model().config().vision().imageSize(), context.seed(), arena);
                    EntropyObjective objective = new EntropyObjective(data.family().model(), tower.projection(), tasks.heads());
                    EntropyMinimization.Outcome outcome = EntropyMinimization.run(theta, expressions, objective, tasks,
                            new EntropyMinimization.Settings(settings.learningRate(), settings.steps()), context.threads(), method,
                            () -> noise.resample(random));
                    System.err.println(method + ": " + outcome.summary());
                }
                Map<String, Tensor> mask = theta.mask().finalSample(settings.discrete(), random, arena);
                Map<String, Tensor> merged = theta.merge(mask, Arena.ofAuto());
                return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), merged),
                        List.of(theta.mask().keepTable()), List.of(theta.mask().logitsFile()), new java.util.LinkedHashMap<>());
            } finally {
                noise.free();
            }
        }
    }
}

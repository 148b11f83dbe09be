package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionJob;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.SharedComputation;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.SmileTensorNames;
import amalgam.param.Domain;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * FusionBench {@code smile_upscaling/smile_upscaling} ({@code SmileUpscalingAlgorithm}; Tang et al., 2024, "SMILE:
 * Zero-Shot Sparse Mixture of Low-Rank Experts Construction From Pre-Trained Foundation Models"), spec §7.5. Every
 * linear of the CLIP vision encoder (q, k, v, out_proj, fc1, fc2 of every block) becomes a SMILE MoE linear: W0 and
 * b0 shared, one low-rank expert per task model (rank k of ΔWᵢ, bias delta dense) and a gate of each ΔWᵢ's top
 * gate_k right singular vectors that routes every token to its top_k experts ({@link SmileExperts},
 * {@link amalgam.model.moe.SmileRouting}). A linear whose task models all left it unchanged (allclose to 0) stays
 * plain; every other tensor is θ0's, or with {@code average_experts} the task models' mean (tensors of leaf modules:
 * not the class embedding, which belongs to the embeddings module itself). No data is read.
 *
 * <p>Built linear by linear: the jobs of one linear share one computation of its SVDs, freed when its last tensor is
 * written, so memory holds the SVDs of the linears in flight only. k and gate_k larger than a linear allows are
 * clamped to min(out, in) (FusionBench crashes there; spec §10.3) and the ranks each linear got are recorded.
 * {@code device}, {@code upscaling_accelerator} and {@code full_matrices} do not change the result (CPU only; with the
 * clamp only the leading min(out, in) singular vectors are ever used). {@code model_path} is where FusionBench saves
 * the upscaled model: the run saves the mixture folder there when no merged_model_save_path is given.
 */
public final class SmileUpscaling implements FusionMethod {
    public static final String MODEL_PATH = "model_path";
    private static final String NAME = "smile_upscaling/smile_upscaling";
    private static final Domain POSITIVE_INT = Domain.integersFrom(1);
    /** The encoder linears of a CLIP vision tower, by weight name. */
    static final Pattern LINEAR = Pattern.compile(
            "(vision_model\\.encoder\\.layers\\.\\d+\\.(?:self_attn\\.(?:q|k|v|out)_proj|mlp\\.fc[12]))\\.weight");
    /** Any tensor of an encoder linear: a linear stays θ0's when it is not upscaled, never averaged (it is no leaf FusionBench averages). */
    private static final Pattern LINEAR_TENSOR = Pattern.compile(
            "vision_model\\.encoder\\.layers\\.\\d+\\.(?:self_attn\\.(?:q|k|v|out)_proj|mlp\\.fc[12])\\.(?:weight|bias)");
    private static final String CLASS_EMBEDDING = "vision_model.embeddings.class_embedding";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of(),
            "sparse mixture of low-rank experts: every encoder linear routes each token to the top-k task experts (rank-k SVD"
                    + " of its task vector) by the norm of its projection on each task's top gate_k right singular vectors",
            List.of(ParameterSpec.of("device", ParameterType.STRING, "cpu", "accepted for compatibility; CPU only"),
                    ParameterSpec.nullable("upscaling_accelerator", ParameterType.STRING, "cuda", "accepted for compatibility; CPU only"),
                    ParameterSpec.of("full_matrices", ParameterType.BOOL, true,
                            "accepted for compatibility; no effect (only the leading min(out, in) singular vectors are used)"),
                    ParameterSpec.of("gate_k", ParameterType.INT, 1, POSITIVE_INT,
                            "right singular vectors per expert in the gate (clamped to min(out, in))"),
                    ParameterSpec.of("k", ParameterType.INT, 128, Domain.integersFrom(-1),
                            "rank of each expert (clamped to min(out, in)); k = 0 or -1 keeps dense experts"),
                    ParameterSpec.of("top_k", ParameterType.INT, 1, POSITIVE_INT, "experts each token is routed to (at most T)"),
                    ParameterSpec.of("routing_use_diff", ParameterType.BOOL, true,
                            "gates from the SVD of the task vectors ΔWᵢ (false: of the fine-tuned weights Wᵢ)"),
                    ParameterSpec.of("average_experts", ParameterType.BOOL, false,
                            "tensors outside the MoE linears are the task models' mean instead of θ0's"),
                    ParameterSpec.nullable(MODEL_PATH, ParameterType.STRING, null,
                            "where the mixture is saved when merged_model_save_path is not given")),
            SmileUpscaling::new);

    private final SmileMixture.Settings settings;

    private SmileUpscaling(MethodParameters parameters) {
        this.settings = new SmileMixture.Settings(Math.toIntExact(parameters.getLong("gate_k")), Math.toIntExact(parameters.getLong("k")),
                Math.toIntExact(parameters.getLong("top_k")), parameters.getBoolean("routing_use_diff"),
                parameters.getBoolean("average_experts"));
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        ModelPool pool = context.pool();
        ModelSource base = pool.requirePretrained(NAME);
        List<ModelSource> models = pool.requireModels(NAME, 1);
        if (settings.topK() > models.size()) {
            throw new UserInputException("parameter 'top_k' of method '" + NAME + "' is " + settings.topK() + " but the pool has "
                    + models.size() + " task model" + (models.size() == 1 ? "" : "s") + " (experts); use 1 <= top_k <= " + models.size());
        }
        List<SmileMixture.Linear> linears = linears(base, models);
        if (linears.isEmpty() && base.tensorNames().stream().noneMatch(name -> LINEAR.matcher(name).matches())) {
            throw new UserInputException("method '" + NAME + "' upscales the linears of a CLIP vision encoder, but model '"
                    + base.name() + "' has none (no 'vision_model.encoder.layers.N.mlp.fc1.weight' and the like)");
        }
        SmileMixture mixture = new SmileMixture(models.stream().map(ModelSource::name).toList(), settings, linears);
        return new FusionResult.Mixture(plan(base, models, mixture), mixture);
    }

    /**
     * The MoE linears with the ranks they get, in the base model's order; linears whose experts are all untrained are
     * left out (they stay plain). Reads every linear weight of every model once, one tensor at a time.
     */
    private List<SmileMixture.Linear> linears(ModelSource base, List<ModelSource> models) {
        List<SmileMixture.Linear> linears = new ArrayList<>();
        List<String> clamped = new ArrayList<>();
        for (String tensor : base.tensorNames()) {
            var match = LINEAR.matcher(tensor);
            if (!match.matches() || base.shapeOf(tensor).rank() != 2) {
                continue;
            }
            String name = match.group(1);
            Shape shape = base.shapeOf(tensor);
            if (untrained(base, models, tensor, shape)) {
                System.err.println(NAME + ": " + name + " is unchanged in every task model; it stays a plain linear");
                continue;
            }
            int out = Math.toIntExact(shape.dim(0));
            int in = Math.toIntExact(shape.dim(1));
            int rank = Math.min(out, in);
            int gateK = Math.min(settings.gateK(), rank);
            int k = settings.k() <= 0 ? -1 : Math.min(settings.k(), rank);
            if (gateK < settings.gateK() || (settings.k() > 0 && k < settings.k())) {
                clamped.add(name + " (" + rank + ")");
            }
            linears.add(new SmileMixture.Linear(name, in, out, gateK, k, base.contains(SmileTensorNames.bias(name))));
        }
        if (!clamped.isEmpty()) {
            System.err.println(NAME + ": gate_k=" + settings.gateK() + " / k=" + settings.k() + " exceed min(out, in) of "
                    + clamped.size() + " linear(s), e.g. " + clamped.getFirst() + "; they keep that many singular vectors"
                    + " (the ranks are recorded in moe.json)");
        }
        return linears;
    }

    private static boolean untrained(ModelSource base, List<ModelSource> models, String tensor, Shape shape) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor theta0 = TensorInputs.read(base, tensor, shape, arena);
            for (ModelSource model : models) {
                try (Arena scratch = Arena.ofConfined()) {
                    if (!SmileExperts.untrained(TensorInputs.taskVector(model, tensor, theta0, scratch))) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    /** Every tensor of the base model in its order, each MoE linear's expert tensors right after its weight. */
    private List<TensorJob> plan(ModelSource base, List<ModelSource> models, SmileMixture mixture) {
        Map<String, SmileMixture.Linear> byWeight = new LinkedHashMap<>();
        mixture.linears().forEach(linear -> byWeight.put(SmileTensorNames.weight(linear.name()), linear));
        java.util.Set<String> linearTensors = new java.util.HashSet<>();
        mixture.linears().forEach(linear -> {
            linearTensors.add(SmileTensorNames.weight(linear.name()));
            linearTensors.add(SmileTensorNames.bias(linear.name()));
        });
        List<TensorJob> jobs = new ArrayList<>();
        for (String name : base.tensorNames()) {
            DType dtype = base.dtypeOf(name);
            Shape shape = base.shapeOf(name);
            if (settings.averageExperts() && dtype.isFloatingPoint() && averaged(name) && !linearTensors.contains(name)) {
                jobs.add(new FusionJob(name, dtype, shape, 2 * shape.elementCount() * Float.BYTES, arena -> TensorInputs.withReference(
                        base.name(), () -> SimpleAverage.average(models, name, shape, arena))));
            } else {
                jobs.add(PerTensorPlan.passThrough(base, name, dtype, shape));
            }
            SmileMixture.Linear linear = byWeight.get(name);
            if (linear != null) {
                jobs.addAll(expertJobs(base, models, linear, dtype, mixture.experts().size()));
            }
        }
        return jobs;
    }

    /**
     * With average_experts, FusionBench averages the parameters of every leaf module of the vision model that is not a
     * linear: embeddings' patch and position tables, the layer norms. The class embedding is a parameter of the
     * embeddings module itself (not a leaf) and stays θ0's; so does anything outside the vision model (the projection),
     * and a linear left plain because no task changed its weight (bias included, as FusionBench skips the whole module).
     */
    static boolean averaged(String name) {
        return name.startsWith("vision_model.") && !name.equals(CLASS_EMBEDDING) && !LINEAR_TENSOR.matcher(name).matches();
    }

    /** The gate and expert tensors of one linear, all read from one shared computation of its SVDs. */
    private List<TensorJob> expertJobs(ModelSource base, List<ModelSource> models, SmileMixture.Linear linear, DType dtype,
                                       int experts) {
        return SharedComputation.jobsReading(linear.expertTensors(experts), dtype, sharedBytes(linear, experts),
                arena -> TensorInputs.withReference(base.name(), () -> compute(base, models, linear, arena)));
    }

    private Map<String, Tensor> compute(ModelSource base, List<ModelSource> models, SmileMixture.Linear linear, Arena arena) {
        String weightName = SmileTensorNames.weight(linear.name());
        String biasName = SmileTensorNames.bias(linear.name());
        Shape weightShape = SmileExperts.weightShape(linear);
        Tensor w0 = TensorInputs.read(base, weightName, weightShape, arena);
        Tensor b0 = linear.bias() ? TensorInputs.read(base, biasName, Shape.of(linear.outFeatures()), arena) : null;
        List<Tensor> deltas = new ArrayList<>();
        List<Tensor> finetuned = settings.routingUseDiff() ? null : new ArrayList<>();
        List<Tensor> biasDeltas = linear.bias() ? new ArrayList<>() : null;
        for (ModelSource model : models) {
            if (finetuned != null) {
                finetuned.add(TensorInputs.read(model, weightName, weightShape, arena));
            }
            deltas.add(TensorInputs.taskVector(model, weightName, w0, arena));
            if (b0 != null) {
                biasDeltas.add(TensorInputs.taskVector(model, biasName, b0, arena));
            }
        }
        return SmileExperts.build(linear, settings.routingUseDiff(), deltas, finetuned, biasDeltas, arena);
    }

    /** Bytes the shared computation of one linear holds: its inputs, SVDs and outputs, in float32. */
    private long sharedBytes(SmileMixture.Linear linear, int experts) {
        long out = linear.outFeatures();
        long in = linear.inFeatures();
        long rank = Math.min(out, in);
        long perExpert = out * in * (settings.routingUseDiff() ? 2 : 3) + rank * (out + in + 1) * (settings.routingUseDiff() ? 1 : 2)
                + linear.expertParameters();
        return (experts * perExpert + out * in + (long) experts * linear.gateK() * in) * Float.BYTES;
    }
}

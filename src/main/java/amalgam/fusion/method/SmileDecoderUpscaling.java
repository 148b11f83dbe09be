package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
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
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * FusionBench's SMILE upscaling of causal LMs, {@code smile_upscaling/smile_mistral_upscaling}
 * ({@code SmileMistralUpscalingAlgorithm}) and {@code smile_upscaling/smile_qwen2_upscaling}
 * ({@code SmileQwen2UpscalingAlgorithm}), spec §7.5: every attention and MLP projection of every decoder layer becomes
 * a SMILE linear with one expert per task model — W0 shared, expert i the rank-{@code rank_of_expert} SVD of ΔWᵢ
 * (dense ΔWᵢ when ≤ 0) plus its bias delta, a router of each ΔWᵢ's top {@code rank_of_router} right singular vectors
 * choosing {@code num_experts_per_tok} experts per token. Build only: the checkpoint has FusionBench's tensor names
 * ({@link SmileDecoderLayout}) and a config.json with its {@code model_type}, {@code architectures} and SMILE fields,
 * so FusionBench's {@code SmileMistralForCausalLM} / {@code SmileQwen2ForCausalLM} load it; amalgam does not evaluate
 * it (no {@code moe.json}: amalgam's mixtures are CLIP vision towers).
 *
 * <p>Built projection by projection: the jobs of one projection share one computation of its T SVDs, freed when its
 * last tensor is written. Where FusionBench's construction cannot go, amalgam stays loadable instead of failing: a rank
 * above min(out, in) is padded with zero rows/columns (the expert's product and the router's norms are unchanged), and a
 * projection no task model changed (FusionBench leaves a plain nn.Linear there, which its own class then cannot load)
 * gets zero routers and experts, so it computes W0 x + b0 as before. {@code device} and {@code accelerator} are accepted
 * for compatibility (CPU only); {@code model_dtype} sets the output dtype (default: the pretrained model's);
 * {@code save_with_remote_code} is accepted, but no modeling code is written (FusionBench's classes must be imported).
 */
public final class SmileDecoderUpscaling implements FusionMethod {
    /** A decoder family FusionBench upscales, with its SMILE class names. */
    enum Family {
        MISTRAL("smile_upscaling/smile_mistral_upscaling", "mistral", "smile_mistral", "SmileMistralForCausalLM", "model_path", 512),
        QWEN2("smile_upscaling/smile_qwen2_upscaling", "qwen2", "smile_qwen2", "SmileQwen2ForCausalLM", "model_save_path", 64);

        final String method;
        final String sourceType;
        final String modelType;
        final String architecture;
        final String savePath;
        final int defaultExpertRank;

        Family(String method, String sourceType, String modelType, String architecture, String savePath, int defaultExpertRank) {
            this.method = method;
            this.sourceType = sourceType;
            this.modelType = modelType;
            this.architecture = architecture;
            this.savePath = savePath;
            this.defaultExpertRank = defaultExpertRank;
        }
    }

    public static final List<MethodDeclaration> DECLARATIONS = List.of(declaration(Family.MISTRAL), declaration(Family.QWEN2));

    private final Family family;
    private final int expertsPerToken;
    private final int routerRank;
    private final int expertRank;
    private final DType modelDType;

    private SmileDecoderUpscaling(Family family, MethodParameters parameters) {
        this.family = family;
        this.expertsPerToken = Math.toIntExact(parameters.getLong("num_experts_per_tok"));
        this.routerRank = Math.toIntExact(parameters.getLong("rank_of_router"));
        this.expertRank = Math.toIntExact(parameters.getLong("rank_of_expert"));
        String dtype = (String) parameters.get("model_dtype");
        this.modelDType = dtype == null ? null : DType.fromTorchName(dtype);
        if (modelDType != null && !modelDType.isFloatingPoint()) {
            throw new UserInputException("parameter 'model_dtype' of method '" + family.method + "' is '" + dtype
                    + "'; use a float dtype (float32, float16, bfloat16)");
        }
    }

    private static MethodDeclaration declaration(Family family) {
        List<ParameterSpec> parameters = new ArrayList<>(List.of(
                ParameterSpec.of("device", ParameterType.STRING, "cpu", "accepted for compatibility; CPU only"),
                ParameterSpec.nullable("accelerator", ParameterType.STRING, "cuda", "accepted for compatibility; CPU only"),
                ParameterSpec.nullable(family.savePath, ParameterType.STRING, null,
                        "where the model is saved when merged_model_save_path is not given"),
                ParameterSpec.nullable("model_dtype", ParameterType.STRING, null, "output dtype (null: the pretrained model's)"),
                ParameterSpec.of("num_experts_per_tok", ParameterType.INT, 1, Domain.integersFrom(1),
                        "experts each token is routed to (at most T)"),
                ParameterSpec.of("rank_of_router", ParameterType.INT, 8, Domain.integersFrom(1),
                        "right singular vectors per expert in the router"),
                ParameterSpec.of("rank_of_expert", ParameterType.INT, family.defaultExpertRank, Domain.integersFrom(-1),
                        "rank of each expert; -1 or 0 keeps dense experts")));
        if (family == Family.QWEN2) {
            parameters.add(ParameterSpec.of("save_with_remote_code", ParameterType.BOOL, true,
                    "accepted for compatibility; no modeling code is written"));
        }
        String what = family == Family.MISTRAL ? "Mistral" : "Qwen2";
        return new MethodDeclaration(family.method, List.of(),
                "SMILE for " + what + " causal LMs (build only): every attention and MLP projection becomes a sparse mixture of"
                        + " low-rank experts of the task vectors, saved as FusionBench's " + family.architecture + " checkpoint",
                parameters, resolved -> new SmileDecoderUpscaling(family, resolved));
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        ModelPool pool = context.pool();
        ModelSource base = pool.requirePretrained(family.method);
        List<ModelSource> models = pool.requireModels(family.method, 1);
        if (expertsPerToken > models.size()) {
            throw new UserInputException("parameter 'num_experts_per_tok' of method '" + family.method + "' is " + expertsPerToken
                    + " but the pool has " + models.size() + " task model(s) (experts); use 1 <= num_experts_per_tok <= " + models.size());
        }
        SmileDecoderLayout layout = new SmileDecoderLayout(routerRank, expertRank, models.size());
        List<TensorJob> jobs = new ArrayList<>();
        int projections = 0;
        for (String name : base.tensorNames()) {
            String projection = SmileDecoderLayout.projection(name);
            if (SmileDecoderLayout.ROTARY_BUFFER.matcher(name).matches() || projection == null && isProjectionBias(name)) {
                continue;
            }
            if (projection == null) {
                jobs.add(PerTensorPlan.copyAs(base, name, name, outputDType(base.dtypeOf(name))));
                continue;
            }
            jobs.addAll(projectionJobs(base, models, layout, projection));
            projections++;
        }
        if (projections == 0) {
            throw new UserInputException("method '" + family.method + "' upscales the projections of a decoder, but model '" + base.name()
                    + "' has none (no 'model.layers.N.self_attn.q_proj.weight' and the like)");
        }
        int experts = models.size();
        return new FusionResult.RestructuredModel(jobs, (config, model) -> config(config, model, experts));
    }

    private static boolean isProjectionBias(String name) {
        return name.endsWith(".bias") && SmileDecoderLayout.projection(name.substring(0, name.length() - ".bias".length()) + ".weight") != null;
    }

    private DType outputDType(DType stored) {
        return modelDType != null && stored.isFloatingPoint() ? modelDType : stored;
    }

    /** W0 and b0 under their shared names, then the router and experts, all read from one shared computation. */
    private List<TensorJob> projectionJobs(ModelSource base, List<ModelSource> models, SmileDecoderLayout layout, String projection) {
        String weight = SmileTensorNames.weight(projection);
        String biasName = SmileTensorNames.bias(projection);
        Shape shape = base.shapeOf(weight);
        if (shape.rank() != 2) {
            throw new UserInputException("method '" + family.method + "': tensor '" + weight + "' of model '" + base.name() + "' has shape "
                    + shape + ", not [out, in]");
        }
        boolean bias = base.contains(biasName);
        DType dtype = outputDType(base.dtypeOf(weight));
        List<TensorJob> jobs = new ArrayList<>();
        jobs.add(PerTensorPlan.copyAs(base, weight, SmileDecoderLayout.sharedWeight(projection), dtype));
        if (bias) {
            jobs.add(PerTensorPlan.copyAs(base, biasName, SmileDecoderLayout.sharedBias(projection), outputDType(base.dtypeOf(biasName))));
        }
        SequencedMap<String, Shape> tensors = layout.computedTensors(projection, shape.dim(0), shape.dim(1), bias);
        jobs.addAll(SharedComputation.jobsReading(tensors, dtype, sharedBytes(shape, models.size(), tensors), arena -> TensorInputs.withReference(
                base.name(), () -> compute(base, models, layout, projection, shape, bias, tensors, arena))));
        return jobs;
    }

    /**
     * The router and expert tensors of one projection (float32, by output name): SMILE's construction at ranks clamped
     * to min(out, in), zero-padded to the configured ranks; all zeros when no task model changed the projection.
     */
    private static Map<String, Tensor> compute(ModelSource base, List<ModelSource> models, SmileDecoderLayout layout, String projection,
                                               Shape shape, boolean bias, SequencedMap<String, Shape> tensors, Arena arena) {
        Tensor w0 = TensorInputs.read(base, SmileTensorNames.weight(projection), shape, arena);
        Tensor b0 = bias ? TensorInputs.read(base, SmileTensorNames.bias(projection), Shape.of(shape.dim(0)), arena) : null;
        List<Tensor> deltas = new ArrayList<>();
        List<Tensor> biasDeltas = bias ? new ArrayList<>() : null;
        boolean trained = false;
        for (ModelSource model : models) {
            Tensor delta = TensorInputs.taskVector(model, SmileTensorNames.weight(projection), w0, arena);
            trained |= !SmileExperts.untrained(delta);
            deltas.add(delta);
            if (bias) {
                biasDeltas.add(TensorInputs.taskVector(model, SmileTensorNames.bias(projection), b0, arena));
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (!trained) {
            tensors.forEach((name, tensorShape) -> out.put(name, Tensor.allocate(arena, DType.F32, tensorShape)));
            return out;
        }
        int rows = Math.toIntExact(shape.dim(0));
        int cols = Math.toIntExact(shape.dim(1));
        int rank = Math.min(rows, cols);
        SmileMixture.Linear linear = new SmileMixture.Linear(projection, cols, rows, Math.min(layout.routerRank(), rank),
                layout.dense() ? -1 : Math.min(layout.expertRank(), rank), bias);
        Map<String, Tensor> built = SmileExperts.build(linear, true, deltas, null, biasDeltas, arena);
        for (Map.Entry<String, Shape> tensor : tensors.entrySet()) {
            String name = tensor.getKey();
            Tensor value = name.equals(SmileDecoderLayout.gate(projection))
                    ? padBlocks(built.get(SmileTensorNames.gate(projection)), layout.experts(), linear.gateK(), layout.routerRank(), arena)
                    : pad(built.get(name), tensor.getValue(), arena);
            out.put(name, value);
        }
        return out;
    }

    /** {@code value} [r, c] in the top-left corner of a zero tensor of {@code shape} (the same tensor when no padding is needed). */
    private static Tensor pad(Tensor value, Shape shape, Arena arena) {
        if (value.shape().equals(shape)) {
            return value;
        }
        Tensor padded = Tensor.allocate(arena, DType.F32, shape);
        long rows = value.shape().dim(0);
        long cols = value.shape().dim(1);
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                padded.setFloat(r * shape.dim(1) + c, value.getFloat(r * cols + c));
            }
        }
        return padded;
    }

    /** The gate [E·k, in] with each expert's block of k rows followed by zero rows up to {@code rows} per expert. */
    private static Tensor padBlocks(Tensor gate, int experts, int k, int rows, Arena arena) {
        if (k == rows) {
            return gate;
        }
        long in = gate.shape().dim(1);
        Tensor padded = Tensor.allocate(arena, DType.F32, Shape.of((long) experts * rows, in));
        for (int e = 0; e < experts; e++) {
            padded.data().asSlice((long) e * rows * in * Float.BYTES, (long) k * in * Float.BYTES)
                    .copyFrom(gate.data().asSlice((long) e * k * in * Float.BYTES, (long) k * in * Float.BYTES));
        }
        return padded;
    }

    /** Bytes the shared computation of one projection holds: W0, the task vectors, their SVDs and the outputs, in float32. */
    private static long sharedBytes(Shape shape, int experts, SequencedMap<String, Shape> tensors) {
        long out = shape.dim(0);
        long in = shape.dim(1);
        long rank = Math.min(out, in);
        long outputs = tensors.values().stream().mapToLong(Shape::elementCount).sum();
        return ((experts + 1) * out * in + experts * rank * (out + in + 1) + 2 * outputs) * Float.BYTES;
    }

    /** config.json: the base model's, with FusionBench's SMILE class names and fields. */
    private ObjectNode config(ObjectNode config, String model, int experts) {
        String modelType = config.path("model_type").asText("");
        if (!modelType.equals(family.sourceType)) {
            throw new UserInputException("method '" + family.method + "' upscales " + family.sourceType + " models (model_type '"
                    + family.sourceType + "'); model '" + model + "' has model_type '" + modelType + "'");
        }
        config.putArray("architectures").add(family.architecture);
        config.put("model_type", family.modelType);
        config.put("num_experts_per_tok", expertsPerToken);
        config.put("rank_of_router", routerRank);
        config.put("rank_of_expert", expertRank);
        config.put("num_local_experts", experts);
        if (modelDType != null) {
            config.put("torch_dtype", modelDType.torchName());
        }
        return config;
    }
}

package amalgam.fusion.upscale;

import amalgam.UserInputException;
import amalgam.fusion.FusionJob;
import amalgam.fusion.PerTensorPlan;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tensor names of a dense LLaMA/Mistral decoder and of the Mixtral checkpoint built from it (Hugging Face's Mixtral
 * layout, as the hub's Mixtral checkpoints store it). Per layer N:
 * <pre>
 *   model.layers.N.mlp.gate_proj.weight  [I, H]  ->  model.layers.N.block_sparse_moe.experts.E.w1.weight
 *   model.layers.N.mlp.down_proj.weight  [H, I]  ->  model.layers.N.block_sparse_moe.experts.E.w2.weight
 *   model.layers.N.mlp.up_proj.weight    [I, H]  ->  model.layers.N.block_sparse_moe.experts.E.w3.weight
 *   (new)                                        ->  model.layers.N.block_sparse_moe.gate.weight  [experts, H]
 * </pre>
 * Expert E's tensors are expert model E's MLP. Everything else — attention, both layer norms, embeddings, final norm,
 * LM head — is the base model's under its own name. A decoder with tensors Mixtral has no place for (attention or MLP
 * biases, extra norms) is refused, naming the tensor.
 *
 * @param stack  the base model's layers
 * @param hidden the hidden size H (the router's input width)
 */
record MixtralLayout(LayerStack stack, long hidden) {
    /** Dense MLP projection (relative to its layer) -> Mixtral expert weight. */
    static final Map<String, String> EXPERT_WEIGHTS = Map.of(
            "mlp.gate_proj.weight", "w1.weight",
            "mlp.down_proj.weight", "w2.weight",
            "mlp.up_proj.weight", "w3.weight");
    /** Layer tensors Mixtral's decoder layer has as LLaMA's does (the rotary buffer old checkpoints store too). */
    static final Set<String> SHARED_LAYER_TENSORS = Set.of("input_layernorm.weight", "post_attention_layernorm.weight",
            "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "self_attn.rotary_emb.inv_freq");
    static final Set<String> SHARED_MODEL_TENSORS = Set.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight");
    private static final String GATE = "mlp.gate_proj.weight";

    /** The layout of a Mixtral built on {@code base}; bad input when {@code base} is not a LLaMA-style decoder. */
    static MixtralLayout of(ModelSource base, String method) {
        LayerStack stack = LayerStack.of(base, method);
        if (stack.architecture() != LayeredArchitecture.DECODER) {
            throw new UserInputException("method '" + method + "' builds a Mixtral from LLaMA or Mistral causal LMs; model '"
                    + base.name() + "' is " + stack.architecture().description());
        }
        for (String name : base.tensorNames()) {
            if (!stack.contains(name) && !SHARED_MODEL_TENSORS.contains(name)) {
                throw new UserInputException("method '" + method + "': model '" + base.name() + "' has tensor '" + name
                        + "', which a MixtralForCausalLM has no place for (it has " + SHARED_MODEL_TENSORS + " outside its layers)");
            }
        }
        for (int layer = 0; layer < stack.size(); layer++) {
            List<String> tensors = stack.layerTensors().get(layer);
            for (String relative : tensors) {
                if (!EXPERT_WEIGHTS.containsKey(relative) && !SHARED_LAYER_TENSORS.contains(relative)) {
                    throw new UserInputException("method '" + method + "': model '" + base.name() + "' has tensor '"
                            + stack.name(layer, relative) + "', which a Mixtral decoder layer has no place for (Mixtral's"
                            + " attention and experts have no biases)");
                }
            }
            for (String projection : EXPERT_WEIGHTS.keySet()) {
                if (!tensors.contains(projection)) {
                    throw new UserInputException("method '" + method + "': model '" + base.name() + "' has no tensor '"
                            + stack.name(layer, projection) + "'; every layer needs its MLP's gate_proj, up_proj and down_proj");
                }
            }
        }
        Shape gate = base.shapeOf(stack.name(0, GATE));
        if (gate.rank() != 2) {
            throw new UserInputException("method '" + method + "': tensor '" + stack.name(0, GATE) + "' of model '" + base.name()
                    + "' has shape " + gate + ", not [intermediate, hidden]");
        }
        return new MixtralLayout(stack, gate.dim(1));
    }

    /** Refuses an expert model whose layers or MLP shapes differ from the base model's. */
    void checkExpert(ModelSource base, ModelSource expert, String method) {
        int layers = LayerStack.of(expert, method).size();
        if (layers != stack.size()) {
            throw new UserInputException("method '" + method + "': expert model '" + expert.name() + "' has " + layers
                    + " layers but the base model '" + base.name() + "' has " + stack.size());
        }
        for (int layer = 0; layer < stack.size(); layer++) {
            for (String projection : EXPERT_WEIGHTS.keySet()) {
                String name = stack.name(layer, projection);
                if (!expert.contains(name)) {
                    throw new UserInputException("method '" + method + "': expert model '" + expert.name() + "' has no tensor '"
                            + name + "'");
                }
                if (!expert.shapeOf(name).equals(base.shapeOf(name))) {
                    throw new UserInputException("method '" + method + "': tensor '" + name + "' has shape " + expert.shapeOf(name)
                            + " in expert model '" + expert.name() + "' but " + base.shapeOf(name) + " in the base model '"
                            + base.name() + "'");
                }
            }
        }
    }

    /**
     * One job per output tensor, in name order: the base model's shared tensors, expert E's MLP as expert E (in the
     * base model's dtype), and each layer's router made by {@code router} (in the dtype of the layer's MLP).
     */
    List<TensorJob> jobs(ModelSource base, List<ModelSource> experts, RouterInit router, long seed) {
        List<TensorJob> jobs = new ArrayList<>();
        for (String name : base.tensorNames()) {
            if (SHARED_MODEL_TENSORS.contains(name)) {
                jobs.add(PerTensorPlan.copyAs(base, name, name, base.dtypeOf(name)));
            }
        }
        for (int layer = 0; layer < stack.size(); layer++) {
            for (String relative : stack.layerTensors().get(layer)) {
                String name = stack.name(layer, relative);
                String expertWeight = EXPERT_WEIGHTS.get(relative);
                if (expertWeight == null) {
                    jobs.add(PerTensorPlan.copyAs(base, name, name, base.dtypeOf(name)));
                    continue;
                }
                for (int expert = 0; expert < experts.size(); expert++) {
                    jobs.add(PerTensorPlan.copyAs(experts.get(expert), name,
                            stack.name(layer, "block_sparse_moe.experts." + expert + "." + expertWeight), base.dtypeOf(name)));
                }
            }
            String routerName = stack.name(layer, "block_sparse_moe.gate.weight");
            Shape shape = Shape.of(experts.size(), hidden);
            DType dtype = base.dtypeOf(stack.name(layer, GATE));
            jobs.add(new FusionJob(routerName, dtype, shape, shape.byteSize(DType.F32),
                    arena -> router.create(routerName, shape, seed, arena)));
        }
        jobs.sort(Comparator.comparing(TensorJob::outputName));
        return jobs;
    }
}

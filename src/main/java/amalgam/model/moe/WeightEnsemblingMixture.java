package amalgam.model.moe;

import amalgam.tensor.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * A weight-ensembling mixture of a CLIP vision tower (Tang et al., 2024, "Merging Multi-Task Models via
 * Weight-Ensembling Mixture of Experts", ICML; FusionBench's {@code WeightEnsemblingMoE}, and with {@code sparse} its
 * {@code SparseWeightEnsemblingMoE}): everything outside the MLP blocks is task arithmetic, and each block's MLP is
 * <pre>
 *   r = mean over tokens of router(h)              [B, T]   (h = the block's input, layer_norm2's output)
 *   r̄ = mean over the batch of r                   [T]      (batch_reduce; a depth-0 router is r̄ itself)
 *   θ_mlp = θ0_mlp + Σᵢ r̄ᵢ τᵢ_mlp                  fc1/fc2 weights and biases
 *   out = fc2(act(fc1(h)))                          with θ_mlp, for the whole batch (per image with its own rᵢ when
 *                                                   batch_reduce is off)
 * </pre>
 * Kind {@code wemoe}, or {@code sparse_wemoe} when {@code sparse} is given (the task vectors were pruned when built;
 * the router may be one shared by every block, fed a layer code). Tensor names: {@link WeightEnsemblingTensorNames}.
 *
 * @param experts          expert (task model) names, in expert-index order
 * @param layers           vision encoder layers (every one has a mixture MLP)
 * @param hiddenSize       D
 * @param intermediateSize I (fc1's outputs)
 * @param routerDepth      router_hidden_layers: 0, 1 or 2
 * @param initLambda       the routers' initial output bias and the task arithmetic λ outside the MLPs
 * @param batchReduce      evaluation's rule: routing averaged over each batch (FusionBench's behaviour) or per image
 * @param sparse           sparse WEMoE's settings, or null for WEMoE
 */
public record WeightEnsemblingMixture(List<String> experts, int layers, int hiddenSize, int intermediateSize, int routerDepth,
                                      double initLambda, boolean batchReduce, Sparse sparse) implements MixtureDescription {
    public static final String KIND = "wemoe";
    public static final String SPARSE_KIND = "sparse_wemoe";

    public WeightEnsemblingMixture {
        experts = List.copyOf(experts);
        if (experts.isEmpty() || layers < 1 || hiddenSize < 1 || intermediateSize < 1 || routerDepth < 0 || routerDepth > 2) {
            throw new IllegalArgumentException("a weight-ensembling mixture of " + experts.size() + " experts, " + layers
                    + " layers, D " + hiddenSize + ", I " + intermediateSize + ", router depth " + routerDepth);
        }
    }

    /**
     * Sparse WEMoE's settings as given.
     *
     * @param tvPruneRatio        each task-vector tensor keeps |x| > quantile(|x|, ratio)
     * @param postSparseGate      whether the trained routers were pruned the same way
     * @param gatePruneRatio      their quantile
     * @param sharedGate          one router for every block
     * @param positionEncoding    the shared router's input starts with a sinusoidal code of the layer index
     * @param positionEncodingDim that code's length
     */
    public record Sparse(double tvPruneRatio, boolean postSparseGate, double gatePruneRatio, boolean sharedGate,
                         boolean positionEncoding, int positionEncodingDim) {
        /** Features the layer code adds to the router's input. */
        public int codeLength() {
            return sharedGate && positionEncoding ? positionEncodingDim : 0;
        }
    }

    @Override
    public String kind() {
        return sparse == null ? KIND : SPARSE_KIND;
    }

    /** Weight ensembling merges every expert into the block's weights: no parameter is idle. */
    @Override
    public java.util.OptionalLong trainableParameters() {
        return java.util.OptionalLong.of(routerParameters());
    }

    @Override
    public long idleParametersPerToken() {
        return 0;
    }

    public boolean sharedGate() {
        return sparse != null && sparse.sharedGate();
    }

    /** The router (every block's, or the shared one). */
    public WeightEnsemblingRouter router() {
        int in = hiddenSize + (sparse == null ? 0 : sparse.codeLength());
        return new WeightEnsemblingRouter(routerDepth, in, in, experts.size());
    }

    /** The router prefix of block {@code layer}. */
    public String gatePrefix(int layer) {
        return sharedGate() ? WeightEnsemblingTensorNames.SHARED_GATE : WeightEnsemblingTensorNames.gate(layer);
    }

    /** Parameters of the routers (what training updates): the shared one once. */
    public long routerParameters() {
        return router().parameters() * (sharedGate() ? 1 : layers);
    }

    /** The shape of {@code fc}.{@code part} of an MLP block. */
    public Shape mlpShape(String fc, String part) {
        boolean up = fc.equals("fc1");
        int out = up ? intermediateSize : hiddenSize;
        int in = up ? hiddenSize : intermediateSize;
        return part.equals("weight") ? Shape.of(out, in) : Shape.of(out);
    }

    /**
     * The mixture's tensors besides the plain model's, with their shapes: per block the task vectors and (unless
     * shared) the router; the shared router last.
     */
    public SequencedMap<String, Shape> mixtureTensors() {
        SequencedMap<String, Shape> tensors = new LinkedHashMap<>();
        for (int layer = 0; layer < layers; layer++) {
            for (int i = 0; i < experts.size(); i++) {
                for (String fc : FCS) {
                    for (String part : PARTS) {
                        tensors.put(WeightEnsemblingTensorNames.taskVector(layer, i, fc, part), mlpShape(fc, part));
                    }
                }
            }
            if (!sharedGate()) {
                tensors.putAll(router().tensors(gatePrefix(layer)));
            }
        }
        if (sharedGate()) {
            tensors.putAll(router().tensors(WeightEnsemblingTensorNames.SHARED_GATE));
        }
        return tensors;
    }

    /** The MLP's linears and their tensors, in FusionBench's parameter order. */
    public static final List<String> FCS = List.of("fc1", "fc2");
    public static final List<String> PARTS = List.of("weight", "bias");
}

package amalgam.model.moe;

import amalgam.tensor.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * A RankOne-MoE mixture of a CLIP vision tower (FusionBench's {@code RankOneMoE}, after Yang et al.'s RankOne-MoE):
 * task arithmetic outside the MLP blocks; in each block the experts are the top-k rank-one components
 * σ_{ij} u_{ij} v_{ij}ᵀ of every task's fc weight delta, weighted per batch by a router with E = T·k outputs:
 * <pre>
 *   w = mean over tokens (and over the batch with batch_reduce) of router(h)             [E]
 *   w ← w ⊙ sigmoid(100 (w − k-th largest of w))                                          (select_k > 0 only)
 *   W_fc = W0_fc + Σᵢ Σⱼ w_{i·k+j} u_{ij} (s_{ij} v_{ij}ᵀ)                                  fc1 and fc2
 *   b_fc = b0_fc + Σᵢ init_lambda · τᵢ(b_fc)                                               fixed
 * </pre>
 * Tensor names: {@link WeightEnsemblingTensorNames}.
 *
 * @param experts          expert (task model) names, in task order
 * @param layers           vision encoder layers
 * @param hiddenSize       D
 * @param intermediateSize I
 * @param routerDepth      router_hidden_layers: 0, 1 or 2 (depth 2's hidden width is 2E)
 * @param initLambda       the routers' initial output bias, the biases' fixed coefficient, task arithmetic's λ
 * @param batchReduce      evaluation's rule: routing averaged over each batch, or per image
 * @param rankK            rank-one experts per task and fc (rank_k, at most min(D, I))
 * @param selectK          soft top-k of the E weights (≤ 0: all)
 */
public record RankOneMixture(List<String> experts, int layers, int hiddenSize, int intermediateSize, int routerDepth,
                             double initLambda, boolean batchReduce, int rankK, int selectK) implements MixtureDescription {
    public static final String KIND = "rankone_moe";

    public RankOneMixture {
        experts = List.copyOf(experts);
        if (experts.isEmpty() || layers < 1 || hiddenSize < 1 || intermediateSize < 1 || routerDepth < 0 || routerDepth > 2
                || rankK < 1 || rankK > Math.min(hiddenSize, intermediateSize) || selectK > (long) experts.size() * rankK) {
            throw new IllegalArgumentException("a RankOne mixture of " + experts.size() + " experts, " + layers + " layers, D "
                    + hiddenSize + ", I " + intermediateSize + ", router depth " + routerDepth + ", rank_k " + rankK
                    + ", select_k " + selectK);
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public java.util.OptionalLong trainableParameters() {
        return java.util.OptionalLong.of(routerParameters());
    }

    @Override
    public long idleParametersPerToken() {
        return 0;
    }

    /** Router outputs: one weight per rank-one expert. */
    public int routerOutputs() {
        return experts.size() * rankK;
    }

    public WeightEnsemblingRouter router() {
        return new WeightEnsemblingRouter(routerDepth, hiddenSize, 2 * routerOutputs(), routerOutputs());
    }

    public long routerParameters() {
        return router().parameters() * layers;
    }

    /** fc's output and input features. */
    public int outFeatures(String fc) {
        return fc.equals("fc1") ? intermediateSize : hiddenSize;
    }

    public int inFeatures(String fc) {
        return fc.equals("fc1") ? hiddenSize : intermediateSize;
    }

    /** The mixture's tensors besides the plain model's, with shapes, in FusionBench's order per block. */
    public SequencedMap<String, Shape> mixtureTensors() {
        SequencedMap<String, Shape> tensors = new LinkedHashMap<>();
        for (int layer = 0; layer < layers; layer++) {
            tensors.putAll(router().tensors(WeightEnsemblingTensorNames.gate(layer)));
            for (String fc : WeightEnsemblingMixture.FCS) {
                tensors.put(WeightEnsemblingTensorNames.rankOneBias(layer, fc), Shape.of(experts.size(), outFeatures(fc)));
            }
            for (String fc : WeightEnsemblingMixture.FCS) {
                for (int i = 0; i < experts.size(); i++) {
                    tensors.put(WeightEnsemblingTensorNames.rankOneU(layer, i, fc), Shape.of(rankK, outFeatures(fc)));
                    tensors.put(WeightEnsemblingTensorNames.rankOneSvh(layer, i, fc), Shape.of(rankK, inFeatures(fc)));
                }
            }
        }
        return tensors;
    }
}

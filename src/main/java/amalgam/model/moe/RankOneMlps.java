package amalgam.model.moe;

import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import java.util.function.Function;

/**
 * The MLP blocks of a RankOne-MoE mixture ({@link RankOneMixture}): fc weights W0 + Σᵢ Uᵢ diag(wᵢ) (Sᵢ Vᵢᵀ) with the
 * router's weights w (soft top-k when select_k > 0), fc biases b0 + Σᵢ init_lambda·τᵢ, then fc2(act(fc1(h))). Tensors
 * are read as {@link WeightEnsemblingMlps} reads them. The task sums run in task order as in FusionBench's
 * {@code merge_weights}.
 */
public final class RankOneMlps implements ClipModel.Mlps {
    /** The sharpness of the soft top-k mask. */
    private static final float TOP_K_SHARPNESS = 100f;

    private final RankOneMixture mixture;
    private final ClipConfig.Tower tower;
    private final Parameters own;

    public RankOneMlps(RankOneMixture mixture, ClipConfig.Tower tower, Parameters own) {
        this.mixture = mixture;
        this.tower = tower;
        this.own = own;
    }

    @Override
    public boolean couplesBatch() {
        return mixture.batchReduce() && mixture.routerDepth() > 0;
    }

    @Override
    public Var apply(Graph graph, Parameters params, int layer, Var x) {
        Function<String, Var> tensor = name -> (own == null ? params : own).get(graph, name);
        Var weights = WeightEnsemblingRouting.weights(graph, mixture.router(), tensor, WeightEnsemblingTensorNames.gate(layer), x,
                mixture.batchReduce());
        Var b1 = bias(graph, params, tensor, layer, "fc1");
        Var b2 = bias(graph, params, tensor, layer, "fc2");
        return WeightEnsemblingRouting.run(graph, x, weights, (input, w) -> {
            Var selected = mixture.selectK() > 0 ? softTopK(graph, w, mixture.selectK()) : w;
            Var up = graph.linear(input, weight(graph, params, tensor, layer, "fc1", selected), b1);
            return graph.linear(ClipModel.activation(graph, tower, up), weight(graph, params, tensor, layer, "fc2", selected), b2);
        });
    }

    /** W0 + Σᵢ (diag(wᵢ) uᵢ)ᵀ svhᵢ, wᵢ = w[i·k, (i+1)·k). */
    private Var weight(Graph graph, Parameters params, Function<String, Var> tensor, int layer, String fc, Var w) {
        int k = mixture.rankK();
        Var result = params.get(graph, WeightEnsemblingTensorNames.base(layer, fc, "weight"));
        for (int i = 0; i < mixture.experts().size(); i++) {
            Var wi = graph.reshape(graph.slice(w, 0, (long) i * k, (long) (i + 1) * k), k, 1);
            Var scaledU = graph.multiply(tensor.apply(WeightEnsemblingTensorNames.rankOneU(layer, i, fc)), wi); // [k, out]
            Var delta = graph.matmul(graph.transpose(scaledU, 0, 1), tensor.apply(WeightEnsemblingTensorNames.rankOneSvh(layer, i, fc)));
            result = graph.add(result, delta);
        }
        return result;
    }

    /** b0 + Σᵢ init_lambda·τᵢ (fixed: no router weight). */
    private Var bias(Graph graph, Parameters params, Function<String, Var> tensor, int layer, String fc) {
        Var stack = tensor.apply(WeightEnsemblingTensorNames.rankOneBias(layer, fc));
        int out = mixture.outFeatures(fc);
        Var result = params.get(graph, WeightEnsemblingTensorNames.base(layer, fc, "bias"));
        for (int i = 0; i < mixture.experts().size(); i++) {
            result = graph.add(result, graph.scale(graph.reshape(graph.slice(stack, 0, i, i + 1), out), (float) mixture.initLambda()));
        }
        return result;
    }

    /**
     * FusionBench's {@code top_k_soft}: w ⊙ sigmoid(100·(w − t)), t the smallest of the k largest weights (its gradient
     * reaches that weight, as torch's topk-then-min does).
     */
    static Var softTopK(Graph graph, Var w, int k) {
        float[] values = w.value().toFloatArray();
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(values[b], values[a]));
        int threshold = order[k - 1];
        Var t = graph.slice(w, 0, threshold, threshold + 1);
        Var mask = graph.sigmoid(graph.scale(graph.subtract(w, t), TOP_K_SHARPNESS));
        return graph.multiply(w, mask);
    }
}

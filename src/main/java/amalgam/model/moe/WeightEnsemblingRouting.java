package amalgam.model.moe;

import amalgam.nn.Graph;
import amalgam.nn.Var;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The routing rule the weight-ensembling mixtures share (FusionBench's {@code WeightEnsemblingMoE.forward}): the router's
 * per-token outputs averaged over the tokens of each image, then, with batch reduction, over the images of the batch,
 * giving one weight vector with which the whole batch runs; without it each image runs with its own. A depth-0 router's
 * vector is used as it is. Everything stays on the graph, so the routers' gradients flow through the averages.
 */
final class WeightEnsemblingRouting {
    private WeightEnsemblingRouting() {
    }

    /** The merging weights for x [B, N, in]: [E] (batch-reduced, or a depth-0 router) or [B, E] (one row per image). */
    static Var weights(Graph graph, WeightEnsemblingRouter router, Function<String, Var> tensor, String prefix, Var routerInput,
                       boolean batchReduce) {
        Var routed = router.apply(graph, tensor, prefix, routerInput);
        if (router.depth() == 0) {
            return routed;
        }
        Var perImage = graph.mean(routed, 1);
        return batchReduce ? graph.mean(perImage, 0) : perImage;
    }

    /**
     * The block's output for x [B, N, D] given the weights: {@code block(x, w)} once when the weights are one vector,
     * else per image (x[b:b+1] with row b) and concatenated in image order.
     */
    static Var run(Graph graph, Var x, Var weights, BiFunction<Var, Var, Var> block) {
        if (weights.shape().rank() == 1) {
            return block.apply(x, weights);
        }
        long images = x.shape().dim(0);
        long experts = weights.shape().dim(1);
        List<Var> outputs = new ArrayList<>();
        for (long b = 0; b < images; b++) {
            outputs.add(block.apply(graph.slice(x, 0, b, b + 1), graph.reshape(graph.slice(weights, 0, b, b + 1), experts)));
        }
        return graph.concat(outputs, 0);
    }

    /** Sparse WEMoE's layer code: [sin(l·ωᵢ) for i < dim/2] ++ [cos(l·ωᵢ)], ωᵢ = 10000^(−2i/dim), in double, then float. */
    static float[] layerCode(int layer, int dim) {
        int half = dim / 2;
        float[] code = new float[2 * half];
        for (int i = 0; i < half; i++) {
            double rate = 1.0 / Math.pow(10000, (2.0 * i) / dim);
            code[i] = (float) Math.sin(layer * rate);
            code[half + i] = (float) Math.cos(layer * rate);
        }
        return code;
    }
}

package amalgam.model.moe;

import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The MLP blocks of a WEMoE or sparse WEMoE mixture ({@link WeightEnsemblingMixture}): θ_mlp = θ0_mlp + Σᵢ rᵢ τᵢ_mlp with
 * r from {@link WeightEnsemblingRouting}, then fc2(act(fc1(h))). θ0's fc tensors come from the forward's parameters
 * (their plain names); the task vectors and routers from {@code own} when given (a loaded mixture), else from the
 * forward's parameters too (training, where the routers are the trainable leaves). The merge adds the task vectors in
 * expert order, each scaled by its weight, as FusionBench's {@code merge_weights} does.
 */
public final class WeightEnsemblingMlps implements ClipModel.Mlps {
    private final WeightEnsemblingMixture mixture;
    private final ClipConfig.Tower tower;
    private final Parameters own;

    /**
     * @param mixture the mixture (its {@code batchReduce} is the rule this forward follows)
     * @param tower   the vision tower's config (activation)
     * @param own     the task vectors and routers, or null to read them from the forward's parameters
     */
    public WeightEnsemblingMlps(WeightEnsemblingMixture mixture, ClipConfig.Tower tower, Parameters own) {
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
        Var routerInput = x;
        WeightEnsemblingMixture.Sparse sparse = mixture.sparse();
        if (sparse != null && sparse.codeLength() > 0 && mixture.routerDepth() > 0) {
            routerInput = graph.concat(List.of(layerCode(graph, layer, x), x), 2);
        }
        Var weights = WeightEnsemblingRouting.weights(graph, mixture.router(), tensor, mixture.gatePrefix(layer), routerInput,
                mixture.batchReduce());
        return WeightEnsemblingRouting.run(graph, x, weights, (input, w) -> {
            Var up = graph.linear(input, merged(graph, params, tensor, layer, "fc1", "weight", w),
                    merged(graph, params, tensor, layer, "fc1", "bias", w));
            return graph.linear(ClipModel.activation(graph, tower, up), merged(graph, params, tensor, layer, "fc2", "weight", w),
                    merged(graph, params, tensor, layer, "fc2", "bias", w));
        });
    }

    /** θ0 + Σᵢ wᵢ τᵢ of one MLP tensor. */
    private Var merged(Graph graph, Parameters params, Function<String, Var> tensor, int layer, String fc, String part, Var weights) {
        int experts = mixture.experts().size();
        List<Var> taus = new ArrayList<>();
        long[] indices = new long[experts];
        for (int i = 0; i < experts; i++) {
            taus.add(tensor.apply(WeightEnsemblingTensorNames.taskVector(layer, i, fc, part)));
            indices[i] = i;
        }
        return graph.weightedSum(params.get(graph, WeightEnsemblingTensorNames.base(layer, fc, part)), taus, weights, indices);
    }

    /** The layer code [B, N, dim], the same for every token. */
    private Var layerCode(Graph graph, int layer, Var x) {
        float[] code = WeightEnsemblingRouting.layerCode(layer, mixture.sparse().positionEncodingDim());
        long images = x.shape().dim(0);
        long tokens = x.shape().dim(1);
        float[] values = new float[Math.toIntExact(images * tokens * code.length)];
        for (int row = 0; row < images * tokens; row++) {
            System.arraycopy(code, 0, values, row * code.length, code.length);
        }
        return graph.constant(values, images, tokens, code.length);
    }
}

package amalgam.model.clip;

import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.Parameters;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * FusionBench's CLIP ensembles: every member's vision tower runs on the batch, their pooled features
 * (post_layernorm(CLS), before the projection) are combined — Σ wᵢ·fᵢ or the element-wise maximum — and the shared
 * visual_projection maps the combination to the image embedding (spec §1: features, not probabilities, are combined).
 * Members are combined in their given order, so the result is the same for any thread count.
 */
public final class EnsembleEmbedder implements ImageEmbedder {
    /** How member features combine. */
    public enum Combination { WEIGHTED_SUM, MAX }

    private final ClipModel model;
    private final List<ClipImageEncoder> members = new ArrayList<>();
    private final double[] weights;
    private final Combination combination;
    private final Parameters projection;
    private final Parallel single = new Parallel(1);
    private final Graph graph = Graph.inference(single);

    /**
     * @param memberParams each member's tower weights (plain tensors)
     * @param weights      one per member (unused for {@link Combination#MAX})
     * @param projection   visual_projection.weight [P, D]
     * @param threads      threads each member's encoder may use
     */
    public EnsembleEmbedder(ClipModel model, List<Parameters> memberParams, double[] weights, Combination combination,
                            Tensor projection, int threads) {
        if (memberParams.isEmpty() || weights.length != memberParams.size()) {
            throw new IllegalArgumentException(memberParams.size() + " members with " + weights.length + " weights");
        }
        this.model = model;
        this.weights = weights.clone();
        this.combination = combination;
        this.projection = TensorParameters.frozen(Map.of(ClipVisionFamily.PROJECTION, projection));
        memberParams.forEach(params -> members.add(new ClipImageEncoder(model, params, threads)));
    }

    @Override
    public Tensor imageEmbeds(Tensor pixels, Arena arena) {
        float[] combined = null;
        try (Arena scratch = Arena.ofShared()) {
            for (int m = 0; m < members.size(); m++) {
                float[] pooled = members.get(m).pooled(pixels, scratch).toFloatArray();
                if (combined == null) {
                    combined = new float[pooled.length];
                    if (combination == Combination.MAX) {
                        java.util.Arrays.fill(combined, Float.NEGATIVE_INFINITY);
                    }
                }
                for (int i = 0; i < pooled.length; i++) {
                    combined[i] = combination == Combination.MAX ? Math.max(combined[i], pooled[i])
                            : (float) (combined[i] + weights[m] * pooled[i]);
                }
            }
        }
        long batch = pixels.shape().dim(0);
        int width = model.config().vision().hiddenSize();
        Tensor features = Tensor.ofFloats(combined, batch, width);
        graph.reset();
        Tensor out = Tensor.allocate(arena, DType.F32, amalgam.tensor.Shape.of(batch, model.config().projectionDim()));
        if (batch > 0) {
            out.data().copyFrom(model.imageEmbeds(graph, projection, Var.constant(features)).value().data());
        }
        return out;
    }

    @Override
    public void close() {
        members.forEach(ClipImageEncoder::close);
        graph.close();
        single.close();
    }
}

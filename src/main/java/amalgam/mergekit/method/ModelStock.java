package amalgam.mergekit.method;

import amalgam.UserInputException;
import java.util.List;

/**
 * {@code model_stock} (Jang et al. 2024). Base {@code w0} and {@code N ≥ 2} others, offsets {@code o_i = w_i − w0};
 * {@code cos} = mean over pairs {@code i<j} of {@code clamp(⟨o_i,o_j⟩ / max(‖o_i‖‖o_j‖, 1e-6), −1, 1)},
 * {@code t = N·cos / (1 + (N−1)·cos)} (not clamped), {@code out = t·mean(w_i) + (1−t)·w0}. Whole tensor by default;
 * per row along the last dim with {@code filter_wise}.
 */
public final class ModelStock {
    public static final MergeMethod DECLARATION = new MergeMethod("model_stock", "https://arxiv.org/abs/2403.19522",
            List.of(MergekitParameter.flag("filter_wise", false, "one interpolation ratio per row instead of per tensor")),
            List.of(), ShapeRule.COMMON_SUBMATRIX, true, LoneInput.BASE, ModelStock::merge);

    private ModelStock() {
    }

    private static MergedTensor merge(MergeRequest request) {
        TensorInput base = request.base();
        List<TensorInput> others = request.others();
        int count = others.size();
        if (count < 2) {
            throw new UserInputException("model_stock needs the base and at least 2 other models for tensor '"
                    + request.tensorName() + "', got " + count);
        }
        float[] w0 = base.values();
        long[] dims = base.shape().toArray();
        FloatVectors.Axis axis = request.flag("filter_wise") && dims.length > 0
                ? FloatVectors.Axis.of(dims, dims.length - 1) : new FloatVectors.Axis(1, w0.length, 1);
        float[] out = new float[w0.length];
        for (int v = 0; v < axis.count(); v++) {
            double cosSum = 0;
            int pairs = 0;
            for (int i = 0; i < count; i++) {
                for (int j = i + 1; j < count; j++) {
                    double dot = 0;
                    double ni = 0;
                    double nj = 0;
                    for (int k = 0; k < axis.length(); k++) {
                        int e = axis.index(v, k);
                        double oi = others.get(i).values()[e] - w0[e];
                        double oj = others.get(j).values()[e] - w0[e];
                        dot += oi * oj;
                        ni += oi * oi;
                        nj += oj * oj;
                    }
                    cosSum += Math.clamp(dot / Math.max(Math.sqrt(ni) * Math.sqrt(nj), 1e-6), -1.0, 1.0);
                    pairs++;
                }
            }
            double cos = cosSum / pairs;
            double t = count * cos / (1 + (count - 1) * cos);
            for (int k = 0; k < axis.length(); k++) {
                int e = axis.index(v, k);
                double mean = 0;
                for (TensorInput other : others) {
                    mean += other.values()[e];
                }
                mean /= count;
                out[e] = request.precision().round(t * mean + (1 - t) * w0[e]);
            }
        }
        return new MergedTensor(base.shape(), out);
    }
}

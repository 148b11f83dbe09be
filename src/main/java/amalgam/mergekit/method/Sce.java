package amalgam.mergekit.method;

import amalgam.param.Domain;
import java.util.List;

/**
 * {@code sce} (select, calculate, erase). {@code T_i = x_i − base}. If {@code select_topk < 1}: per position the
 * population variance over models; keep the {@code k = int(count_nonzero(var)·select_topk)} positions of largest
 * variance (ties: lower index first; {@code k = 0}: nothing) in every {@code T_i}. Weights
 * {@code ω_i = mean(T_i²)} normalised to sum 1 (uniform when the sum is below 1e-6). Sign election on the
 * unweighted sum, {@code E_i = [sign T_i = s]};
 * {@code out = base + Σ ω_i E_i T_i / max(Σ ω_i E_i, 1e-6)}.
 */
public final class Sce {
    public static final MergeMethod DECLARATION = new MergeMethod("sce", "https://arxiv.org/abs/2408.07990",
            List.of(MergekitParameter.optional("select_topk", 1.0, Domain.openClosed(0, 1), "fraction of positions with the highest variance across models kept"),
                    MergekitParameter.flag("int8_mask", false, "store masks as int8 (memory only; no effect on the result)")),
            List.of(), ShapeRule.EXACT, true, LoneInput.BASE, Sce::merge);

    private Sce() {
    }

    private static MergedTensor merge(MergeRequest request) {
        TensorInput base = request.base();
        List<TensorInput> others = request.others();
        Precision precision = request.precision();
        int count = others.size();
        int n = base.values().length;
        float[][] deltas = new float[count][];
        for (int m = 0; m < count; m++) {
            deltas[m] = FloatVectors.subtract(others.get(m).values(), base.values(), precision);
        }
        double topK = request.global("select_topk");
        if (topK < 1) {
            float[] variance = new float[n];
            int nonZero = 0;
            for (int e = 0; e < n; e++) {
                double mean = 0;
                for (float[] delta : deltas) {
                    mean += delta[e];
                }
                mean /= count;
                double sum = 0;
                for (float[] delta : deltas) {
                    sum += (delta[e] - mean) * (delta[e] - mean);
                }
                variance[e] = (float) (sum / count);
                nonZero += variance[e] != 0 ? 1 : 0;
            }
            int k = (int) (nonZero * topK);
            boolean[] keep = new boolean[n];
            int[] order = Sparsifier.descendingMagnitude(variance);
            for (int i = 0; i < k; i++) {
                keep[order[i]] = true;
            }
            for (float[] delta : deltas) {
                for (int e = 0; e < n; e++) {
                    if (!keep[e]) {
                        delta[e] = 0;
                    }
                }
            }
        }
        double[] omega = new double[count];
        double omegaSum = 0;
        for (int m = 0; m < count; m++) {
            omega[m] = FloatVectors.dot(deltas[m], deltas[m]) / n;
            omegaSum += omega[m];
        }
        for (int m = 0; m < count; m++) {
            omega[m] = omegaSum < 1e-6 ? 1.0 / count : omega[m] / omegaSum;
        }
        float[] out = new float[n];
        for (int e = 0; e < n; e++) {
            double total = 0;
            for (float[] delta : deltas) {
                total += delta[e];
            }
            float sign = total >= 0 ? 1f : -1f;
            double mixed = 0;
            double divisor = 0;
            for (int m = 0; m < count; m++) {
                if (Math.signum(deltas[m][e]) == sign) {
                    mixed += omega[m] * deltas[m][e];
                    divisor += omega[m];
                }
            }
            out[e] = precision.round(base.values()[e] + precision.round(mixed / Math.max(divisor, 1e-6)));
        }
        return new MergedTensor(base.shape(), out);
    }
}

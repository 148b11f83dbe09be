package amalgam.mergekit.method;

import amalgam.UserInputException;
import amalgam.tensor.kernel.CounterRng;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code arcee_fusion}: base {@code a}, one other {@code b}. Along the last dim {@code p = softmax(b) + 1e-8},
 * {@code q = softmax(a) + 1e-8}, {@code kl = Σ p ln(p/q)} per row; importance {@code I = |b − a|·kl}. With the
 * quantiles of the flattened {@code I} (sorted, q-quantile at index {@code int(q(n−1))}; over a random subset of
 * 10⁶ entries when larger), {@code thr = median + 1.5(Q3 − Q1)} and {@code out = a + (b − a)·[I ≥ thr]}.
 */
public final class ArceeFusion {
    public static final MergeMethod DECLARATION = new MergeMethod("arcee_fusion", "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#arcee-fusion",
            List.of(), List.of(), ShapeRule.COMMON_SUBMATRIX, true, LoneInput.ANY, ArceeFusion::merge);

    private ArceeFusion() {
    }

    static final int QUANTILE_SAMPLE = 1_000_000;

    private static MergedTensor merge(MergeRequest request) {
        if (request.inputs().size() != 2) {
            throw new UserInputException("arcee_fusion needs exactly the base and one other model for tensor '"
                    + request.tensorName() + "', got " + request.inputs().size() + " models");
        }
        TensorInput base = request.base();
        float[] a = base.values();
        float[] b = request.others().getFirst().values();
        long[] dims = base.shape().toArray();
        FloatVectors.Axis rows = dims.length == 0 ? new FloatVectors.Axis(1, 1, 1) : FloatVectors.Axis.of(dims, dims.length - 1);
        float[] importance = new float[a.length];
        for (int v = 0; v < rows.count(); v++) {
            double maxA = Double.NEGATIVE_INFINITY;
            double maxB = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < rows.length(); k++) {
                maxA = Math.max(maxA, a[rows.index(v, k)]);
                maxB = Math.max(maxB, b[rows.index(v, k)]);
            }
            double sumA = 0;
            double sumB = 0;
            for (int k = 0; k < rows.length(); k++) {
                sumA += Math.exp(a[rows.index(v, k)] - maxA);
                sumB += Math.exp(b[rows.index(v, k)] - maxB);
            }
            double kl = 0;
            for (int k = 0; k < rows.length(); k++) {
                double p = Math.exp(b[rows.index(v, k)] - maxB) / sumB + 1e-8;
                double q = Math.exp(a[rows.index(v, k)] - maxA) / sumA + 1e-8;
                kl += p * Math.log(p / q);
            }
            for (int k = 0; k < rows.length(); k++) {
                int e = rows.index(v, k);
                importance[e] = (float) (Math.abs((double) b[e] - a[e]) * kl);
            }
        }
        float[] sample = sample(importance, CounterRng.of(request.seed(), request.tensorName(), 0));
        Arrays.sort(sample);
        double q1 = quantile(sample, 0.25f);
        double median = quantile(sample, 0.5f);
        double q3 = quantile(sample, 0.75f);
        double threshold = median + 1.5 * (q3 - q1);
        float[] out = new float[a.length];
        for (int e = 0; e < a.length; e++) {
            out[e] = importance[e] >= threshold ? request.precision().round(a[e] + (b[e] - a[e])) : a[e];
        }
        return new MergedTensor(base.shape(), out);
    }

    private static double quantile(float[] sorted, float q) {
        return sorted[(int) (q * (sorted.length - 1))];
    }

    /** All values, or 10⁶ drawn without replacement (partial Fisher-Yates over a sparse swap map). */
    private static float[] sample(float[] values, CounterRng random) {
        if (values.length <= QUANTILE_SAMPLE) {
            return values.clone();
        }
        Map<Integer, Integer> swapped = new HashMap<>();
        float[] sample = new float[QUANTILE_SAMPLE];
        for (int i = 0; i < QUANTILE_SAMPLE; i++) {
            int j = i + (int) (random.uniform(i) * (values.length - i));
            int atJ = swapped.getOrDefault(j, j);
            swapped.put(j, swapped.getOrDefault(i, i));
            sample[i] = values[atJ];
        }
        return sample;
    }
}

package amalgam.fusion.method;

import amalgam.tensor.Tensor;
import java.util.Arrays;

/**
 * FusionBench's {@code _magnitude_prune} (sparse WEMoE): x ⊙ (|x| > quantile(|x|, ratio)) over one tensor, the quantile
 * computed as torch.quantile does in float32 (linear interpolation: rank r = ratio·(n − 1), the values at ⌊r⌋ and ⌈r⌉
 * of the sorted |x| blended by torch's lerp). The comparison is strict, so ratio 0 still zeroes the smallest |x|.
 */
final class QuantilePruning {
    private QuantilePruning() {
    }

    /** Zeroes, in place, every entry of {@code tensor} (F32) whose magnitude does not exceed the quantile. */
    static void pruneInPlace(Tensor tensor, double ratio) {
        float threshold = quantileOfMagnitudes(tensor.toFloatArray(), (float) ratio);
        for (long i = 0; i < tensor.elementCount(); i++) {
            if (!(Math.abs(tensor.getFloat(i)) > threshold)) {
                tensor.setFloat(i, 0f);
            }
        }
    }

    /** torch.quantile(|values|, q, interpolation='linear') in float32. */
    static float quantileOfMagnitudes(float[] values, float q) {
        float[] sorted = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            sorted[i] = Math.abs(values[i]);
        }
        Arrays.sort(sorted);
        float rank = q * (float) (sorted.length - 1);
        int below = (int) rank;
        int above = (int) Math.ceil(rank);
        float weight = rank - below;
        float start = sorted[below];
        float end = sorted[Math.min(above, sorted.length - 1)];
        // at::lerp: the formula depends on which end the weight is nearer
        return weight < 0.5f ? start + weight * (end - start) : end - (end - start) * (1 - weight);
    }
}

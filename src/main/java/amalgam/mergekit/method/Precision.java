package amalgam.mergekit.method;

import amalgam.tensor.DType;
import amalgam.tensor.FloatFormats;

/**
 * Arithmetic in the working dtype. Values are held as float32; for bfloat16 / float16 every stored intermediate
 * is rounded back to the narrow format, as torch does elementwise (reductions accumulate in float32 and round once).
 */
public record Precision(DType dtype) {
    public static final Precision F32 = new Precision(DType.F32);

    /** Rounds a value to the working dtype (per-model weights become tensors of that dtype: 0.3 -> 0.30078125 in bf16). */
    public float round(double value) {
        return switch (dtype) {
            case BF16 -> FloatFormats.bf16ToF32(FloatFormats.f32ToBf16((float) value));
            case F16 -> FloatFormats.f16ToF32(FloatFormats.f32ToF16((float) value));
            default -> (float) value;
        };
    }

    /** Rounds every element in place. */
    public void roundInPlace(float[] values) {
        if (dtype == DType.BF16 || dtype == DType.F16) {
            for (int i = 0; i < values.length; i++) {
                values[i] = round(values[i]);
            }
        }
    }
}

package amalgam.mergekit.method;

import amalgam.param.Domain;
import amalgam.UserInputException;
import java.util.List;

/**
 * {@code nuslerp}: slerp between the two non-base models A, B (input order) with
 * {@code t = w_B/(w_A + w_B)} ({@code 0.5} when {@code |w_A + w_B| < 1e-6}); with a base, on task vectors, base
 * added back. Vectors: the whole tensor ({@code nuslerp_flatten}, default), else slices along the last dim, or
 * along dim 0 with {@code nuslerp_row_wise}. Per vector {@code u = v/max(‖v‖, 1e-7)},
 * {@code θ = acos clamp(⟨u0,u1⟩, −1, 1)}, {@code out = (sin((1−t)θ) v0 + sin(tθ) v1)/sin θ}, or the lerp
 * {@code (1−t)v0 + t v1} where {@code |sin θ| < 1e-8}.
 */
public final class Nuslerp {
    public static final MergeMethod DECLARATION = new MergeMethod("nuslerp", "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#nuslerp",
            List.of(MergekitParameter.flag("nuslerp_flatten", true, "interpolate the whole tensor as one vector (else row by row)"),
                    MergekitParameter.flag("nuslerp_row_wise", false, "without flattening, interpolate along dim 0 instead of the last dim")),
            List.of(MergekitParameter.required("weight", Domain.REAL, "relative weight; t = w_B / (w_A + w_B)")),
            ShapeRule.COMMON_SUBMATRIX, false, LoneInput.ANY, Nuslerp::merge);

    private Nuslerp() {
    }

    private static MergedTensor merge(MergeRequest request) {
        List<TensorInput> inputs = request.inputs();
        List<TensorInput> others = request.others();
        if (others.size() != 2) {
            throw new UserInputException("nuslerp needs exactly 2 models besides the base for tensor '"
                    + request.tensorName() + "', got " + others.size());
        }
        Precision precision = request.precision();
        TensorInput a = others.get(0);
        TensorInput b = others.get(1);
        double wA = a.parameter("weight", request.tensorName());
        double wB = b.parameter("weight", request.tensorName());
        double t = Math.abs(wA + wB) < 1e-6 ? 0.5 : wB / (wA + wB);
        float[] v0 = a.values();
        float[] v1 = b.values();
        if (request.hasBase()) {
            v0 = FloatVectors.subtract(v0, request.base().values(), precision);
            v1 = FloatVectors.subtract(v1, request.base().values(), precision);
        }
        long[] dims = a.shape().toArray();
        FloatVectors.Axis axis;
        if (request.flag("nuslerp_flatten") || dims.length == 0) {
            axis = new FloatVectors.Axis(1, v0.length, 1);
        } else {
            axis = FloatVectors.Axis.of(dims, request.flag("nuslerp_row_wise") ? 0 : dims.length - 1);
        }
        float[] out = new float[v0.length];
        for (int v = 0; v < axis.count(); v++) {
            double dot = 0;
            double n0 = 0;
            double n1 = 0;
            for (int k = 0; k < axis.length(); k++) {
                int i = axis.index(v, k);
                dot += (double) v0[i] * v1[i];
                n0 += (double) v0[i] * v0[i];
                n1 += (double) v1[i] * v1[i];
            }
            double cos = Math.clamp(dot / (Math.max(Math.sqrt(n0), 1e-7) * Math.max(Math.sqrt(n1), 1e-7)), -1.0, 1.0);
            double theta = Math.acos(cos);
            double sinTheta = Math.sin(theta);
            boolean linear = Math.abs(sinTheta) < 1e-8;
            double c0 = linear ? 1 - t : Math.sin((1 - t) * theta) / sinTheta;
            double c1 = linear ? t : Math.sin(t * theta) / sinTheta;
            for (int k = 0; k < axis.length(); k++) {
                int i = axis.index(v, k);
                out[i] = precision.round(c0 * v0[i] + c1 * v1[i]);
            }
        }
        if (request.hasBase()) {
            out = FloatVectors.add(out, request.base().values(), precision);
        }
        return new MergedTensor(a.shape(), out);
    }
}

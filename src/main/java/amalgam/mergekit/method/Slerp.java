package amalgam.mergekit.method;

import amalgam.param.Domain;
import amalgam.UserInputException;
import amalgam.tensor.kernel.SlerpWeights;
import java.util.List;

/**
 * {@code slerp} (Shoemake 1985) between the base {@code v0} and the one other model {@code v1}, whole tensor as
 * one vector, in float32: {@code u_k = v_k/‖v_k‖} if {@code ‖v_k‖ > 1e-8} else {@code v_k}; {@code d = ⟨u0,u1⟩};
 * if {@code |d| > 0.9995} (parallel or anti-parallel) {@code out = (1−t)v0 + t v1}, else with {@code θ = acos d}
 * {@code out = sin((1−t)θ)/sin θ · v0 + sin(tθ)/sin θ · v1} on the unnormalised originals. Quirk kept: a zero
 * {@code v0} gives {@code d = 0}, so the result is {@code sin(tπ/2) v1}.
 */
public final class Slerp {
    public static final MergeMethod DECLARATION = new MergeMethod("slerp", "https://doi.org/10.1145/325165.325242",
            List.of(MergekitParameter.required("t", Domain.UNIT, "interpolation factor: 0 is the base model, 1 the other model")),
            List.of(), ShapeRule.COMMON_SUBMATRIX, true, LoneInput.ANY, Slerp::merge);

    private Slerp() {
    }

    private static MergedTensor merge(MergeRequest request) {
        List<TensorInput> inputs = request.inputs();
        if (inputs.size() != 2) {
            throw new UserInputException("slerp needs exactly 2 models for tensor '" + request.tensorName() + "', got " + inputs.size());
        }
        TensorInput base = request.base();
        float[] v0 = base.values();
        float[] v1 = request.others().getFirst().values();
        double t = request.global("t");
        SlerpWeights weights = SlerpWeights.of(t, FloatVectors.dot(v0, v1), FloatVectors.norm(v0), FloatVectors.norm(v1),
                SlerpWeights.DEFAULT_DOT_THRESHOLD, SlerpWeights.DEFAULT_EPSILON);
        double c0 = weights.w0();
        double c1 = weights.w1();
        float[] out = new float[v0.length];
        for (int e = 0; e < out.length; e++) {
            out[e] = request.precision().round(c0 * v0[e] + c1 * v1[e]);
        }
        return new MergedTensor(base.shape(), out);
    }
}

package amalgam.mergekit.method;

import amalgam.param.Domain;
import amalgam.UserInputException;
import java.util.List;

/**
 * {@code slerp} (Shoemake 1985) between the base {@code v0} and the one other model {@code v1}, whole tensor as
 * one vector, in float32: {@code u_k = v_k/‖v_k‖} if {@code ‖v_k‖ > 1e-8} else {@code v_k}; {@code d = ⟨u0,u1⟩};
 * if {@code |d| > 0.9995} (parallel or anti-parallel) {@code out = (1−t)v0 + t v1}, else with {@code θ = acos d}
 * {@code out = sin((1−t)θ)/sin θ · v0 + sin(tθ)/sin θ · v1} on the unnormalised originals. Quirk kept: a zero
 * {@code v0} gives {@code d = 0}, so the result is {@code sin(tπ/2) v1}.
 */
public final class Slerp implements MergeMethod {
    static final double DOT_THRESHOLD = 0.9995;

    @Override
    public String name() {
        return "slerp";
    }

    @Override
    public List<ParameterSpec> globalParameters() {
        return List.of(ParameterSpec.required("t", Domain.UNIT));
    }

    @Override
    public List<ParameterSpec> tensorParameters() {
        return List.of();
    }

    @Override
    public ShapeRule shapeRule() {
        return ShapeRule.COMMON_SUBMATRIX;
    }

    @Override
    public boolean requiresBaseModel() {
        return true;
    }

    @Override
    public MergedTensor merge(MergeRequest request) {
        List<TensorInput> inputs = request.inputs();
        if (inputs.size() == 1) {
            return new MergedTensor(inputs.getFirst().shape(), inputs.getFirst().values().clone());
        }
        if (inputs.size() != 2) {
            throw new UserInputException("slerp needs exactly 2 models for tensor '" + request.tensorName() + "', got " + inputs.size());
        }
        TensorInput base = request.base();
        float[] v0 = base.values();
        float[] v1 = request.others().getFirst().values();
        double t = request.global("t");
        double n0 = Vectors.norm(v0);
        double n1 = Vectors.norm(v1);
        double s0 = n0 > 1e-8 ? n0 : 1.0;
        double s1 = n1 > 1e-8 ? n1 : 1.0;
        double d = Vectors.dot(v0, v1) / (s0 * s1);
        double c0;
        double c1;
        if (Math.abs(d) > DOT_THRESHOLD) {
            c0 = 1 - t;
            c1 = t;
        } else {
            double theta = Math.acos(d);
            double sinTheta = Math.sin(theta);
            c0 = Math.sin((1 - t) * theta) / sinTheta;
            c1 = Math.sin(t * theta) / sinTheta;
        }
        float[] out = new float[v0.length];
        for (int e = 0; e < out.length; e++) {
            out[e] = request.precision().round(c0 * v0[e] + c1 * v1[e]);
        }
        return new MergedTensor(base.shape(), out);
    }
}

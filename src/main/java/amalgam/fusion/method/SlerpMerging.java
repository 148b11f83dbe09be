package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.param.ParameterSpec;
import amalgam.param.Domain;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.SlerpWeights;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * FusionBench {@code slerp/slerp}: spherical interpolation of exactly two models (all pool models count, θ0
 * included), per tensor on raw weights: uⱼ = vⱼ/‖vⱼ‖ when ‖vⱼ‖ > ε (else vⱼ); dot = Σ u0·u1; if |dot| > DOT_THRESHOLD
 * the result is (1−t)·v0 + t·v1, else with Ω = acos(dot): sin((1−t)Ω)/sinΩ · v0 + sin(tΩ)/sinΩ · v1.
 * A tensor whose shapes differ keeps the first model's value. The output follows the first model.
 */
public final class SlerpMerging implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("slerp/slerp", List.of("slerp"),
            "spherical linear interpolation of two models",
            List.of(ParameterSpec.of("t", ParameterType.FLOAT, 0.5, Domain.UNIT, "interpolation factor: 0 is the first model"),
                    ParameterSpec.of("DOT_THRESHOLD", ParameterType.FLOAT, 0.9995, Domain.UNIT, "above this |cos| interpolate linearly"),
                    ParameterSpec.of("epsilon", ParameterType.FLOAT, 1e-8, Domain.NON_NEGATIVE, "norms at or below this are not normalized")),
            parameters -> new SlerpMerging(parameters.getDouble("t"), parameters.getDouble("DOT_THRESHOLD"),
                    parameters.getDouble("epsilon")));

    private final double t;
    private final double dotThreshold;
    private final double epsilon;

    public SlerpMerging(double t, double dotThreshold, double epsilon) {
        this.t = t;
        this.dotThreshold = dotThreshold;
        this.epsilon = epsilon;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        List<ModelSource> all = pool.allModels();
        if (all.size() != 2) {
            throw new UserInputException("method 'slerp/slerp' needs exactly two models in the pool (the pretrained model"
                    + " counts), got " + all.size());
        }
        ModelSource first = all.get(0);
        ModelSource second = all.get(1);
        return PerTensorPlan.build(first, 3, (name, shape, arena) -> {
            Tensor v0 = TensorInputs.read(first, name, shape, arena);
            Tensor other = second.tensor(name);
            if (!other.shape().equals(shape)) {
                second.release(name);
                return v0;
            }
            Tensor v1 = TensorInputs.read(second, name, shape, arena);
            return interpolate(v0, v1, arena);
        });
    }

    Tensor interpolate(Tensor v0, Tensor v1, Arena arena) {
        SlerpWeights weights = SlerpWeights.of(t, F32Tensors.dot(v0, v1), Math.sqrt(F32Tensors.dot(v0, v0)),
                Math.sqrt(F32Tensors.dot(v1, v1)), dotThreshold, epsilon);
        double w0 = weights.w0();
        double w1 = weights.w1();
        Tensor out = Tensor.allocate(arena, amalgam.tensor.DType.F32, v0.shape());
        for (long i = 0, n = v0.elementCount(); i < n; i++) {
            out.setFloat(i, (float) (w0 * v0.getFloat(i) + w1 * v1.getFloat(i)));
        }
        return out;
    }
}

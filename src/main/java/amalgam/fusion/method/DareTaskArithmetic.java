package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.param.ParameterSpec;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * FusionBench {@code dare/task_arithmetic} and {@code dare/simple_average}: θ = θ0 + λ · Σᵢ drop(τᵢ) (see
 * {@link DareDrop}); the simple-average variant uses λ = 1/T.
 */
public final class DareTaskArithmetic implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("dare/task_arithmetic",
            List.of("dare_task_arithmetic"), "task arithmetic on randomly dropped, rescaled task vectors",
            withDare(List.of(CommonParameters.scalingFactor(0.3))),
            parameters -> new DareTaskArithmetic(parameters.getDouble("scaling_factor"), DareDrop.from(parameters)));
    public static final MethodDeclaration SIMPLE_AVERAGE = new MethodDeclaration("dare/simple_average",
            List.of("dare_simple_average"), "DARE task arithmetic with λ = 1/T", withDare(List.of()),
            parameters -> new DareTaskArithmetic(Double.NaN, DareDrop.from(parameters)));

    private final double scalingFactor;
    private final DareDrop drop;

    /** A NaN scaling factor means 1/T (the simple-average variant). */
    DareTaskArithmetic(double scalingFactor, DareDrop drop) {
        this.scalingFactor = scalingFactor;
        this.drop = drop;
    }

    static List<ParameterSpec> withDare(List<ParameterSpec> own) {
        List<ParameterSpec> all = new ArrayList<>(DareDrop.parameters());
        all.addAll(own);
        return all;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained("dare");
        List<ModelSource> models = pool.requireModels("dare", 1);
        float lambda = (float) (Double.isNaN(scalingFactor) ? 1.0 / models.size() : scalingFactor);
        return PerTensorPlan.build(pool, 3, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            Tensor sum = Tensor.allocate(arena, DType.F32, shape);
            for (int i = 0; i < models.size(); i++) {
                try (Arena scratch = Arena.ofConfined()) {
                    Tensor tau = TensorInputs.taskVector(models.get(i), name, theta0, scratch);
                    drop.applyInPlace(tau, name, i, seed);
                    F32Tensors.addInPlace(sum, tau);
                }
            }
            F32Tensors.addScaledInPlace(theta0, sum, lambda);
            return theta0;
        });
    }
}

package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * FusionBench {@code task_arithmetic} (Ilharco et al., 2023): θ = θ0 + λ · Σᵢ τᵢ with τᵢ = θᵢ − θ0, per tensor;
 * λ multiplies the sum, not the mean.
 */
public final class TaskArithmetic implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("task_arithmetic", List.of(),
            "pretrained model plus the scaled sum of the task vectors", List.of(Parameters.scalingFactor(0.3)),
            parameters -> new TaskArithmetic(parameters.getDouble("scaling_factor")));

    private final float scalingFactor;

    public TaskArithmetic(double scalingFactor) {
        this.scalingFactor = (float) scalingFactor;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        return PerTensorPlan.build(pool, 3, (name, shape, arena) -> merge(base, models, scalingFactor, name, shape, arena));
    }

    /** θ0 + λ Σ τᵢ for one tensor, streaming the models one at a time. */
    static Tensor merge(ModelSource base, List<ModelSource> models, float lambda, String name, Shape shape, Arena arena) {
        Tensor theta0 = TensorInputs.read(base, name, shape, arena);
        Tensor sum = Tensor.allocate(arena, DType.F32, shape);
        for (ModelSource model : models) {
            try (Arena scratch = Arena.ofConfined()) {
                Vectors.addInPlace(sum, TensorInputs.taskVector(model, name, theta0, scratch));
            }
        }
        Vectors.addScaledInPlace(theta0, sum, lambda);
        return theta0;
    }
}

package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * FusionBench {@code simple_average}: θ = (1/T) Σᵢ θᵢ over the fine-tuned models (θ0 is not averaged in); the sum
 * is accumulated in float32 and divided once at the end.
 */
public final class SimpleAverage implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("simple_average", List.of(),
            "elementwise mean of the fine-tuned models",
            List.of(CommonParameters.ignoredBoolean("show_pbar", false), CommonParameters.ignoredBoolean("inplace", true)),
            parameters -> new SimpleAverage());

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        return PerTensorPlan.build(pool, 2, (name, shape, arena) -> average(models, name, shape, arena));
    }

    static Tensor average(List<ModelSource> models, String name, Shape shape, Arena arena) {
        Tensor sum = TensorInputs.read(models.getFirst(), name, shape, arena);
        for (int i = 1; i < models.size(); i++) {
            try (Arena scratch = Arena.ofConfined()) {
                F32Tensors.addInPlace(sum, TensorInputs.read(models.get(i), name, shape, scratch));
            }
        }
        F32Tensors.scaleInPlace(sum, 1f / models.size());
        return sum;
    }
}

package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * FusionBench {@code magmax/magmax} (Marczak et al., 2024): per element, the task vector entry of largest
 * magnitude, folding over the tasks in pool order: best = τ1; best ← τᵢ where |τᵢ| ≥ |best| (ties go to the later
 * task); θ = θ0 + λ · best. Integer and boolean tensors are copied from θ0.
 */
public final class MagMax implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("magmax/magmax", List.of("magmax"),
            "per element the task-vector entry of largest magnitude",
            List.of(CommonParameters.scalingFactor(0.5), CommonParameters.ignoredBoolean("inplace", true)),
            parameters -> new MagMax(parameters.getDouble("scaling_factor")));

    private final float scalingFactor;

    public MagMax(double scalingFactor) {
        this.scalingFactor = (float) scalingFactor;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        return PerTensorPlan.build(pool, 3, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            Tensor best = TensorInputs.taskVector(models.getFirst(), name, theta0, arena);
            for (int t = 1; t < models.size(); t++) {
                try (Arena scratch = Arena.ofConfined()) {
                    Tensor tau = TensorInputs.taskVector(models.get(t), name, theta0, scratch);
                    for (long i = 0, n = best.elementCount(); i < n; i++) {
                        float x = tau.getFloat(i);
                        if (Math.abs(x) >= Math.abs(best.getFloat(i))) {
                            best.setFloat(i, x);
                        }
                    }
                }
            }
            F32Tensors.addScaledInPlace(theta0, best, scalingFactor);
            return theta0;
        });
    }
}

package amalgam.fusion.method;

import amalgam.fusion.ContinualFusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.param.ParameterSpec;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * FusionBench's continual {@code opcm/task_arithmetic} and {@code opcm/weight_average}, per tensor over the models
 * in (optionally shuffled) order, one model in memory at a time:
 * <ul>
 * <li>task arithmetic: M = θ0; M ← M + λ·(θt − θ0) (the final result is task arithmetic);</li>
 * <li>weight average: M = θ_{π1}; at 0-based step t ≥ 1, M ← (M·t + θ)/(t + 1) (a running mean).</li>
 * </ul>
 */
public final class ContinualMerging implements ContinualFusionAlgorithm {
    public static final MethodDeclaration TASK_ARITHMETIC = new MethodDeclaration("opcm/task_arithmetic",
            List.of("continual_task_arithmetic"), "task arithmetic, adding one model at a time",
            with(CommonParameters.scalingFactor(0.3)),
            parameters -> new ContinualMerging(parameters.getDouble("scaling_factor"), ContinualProtocol.from(parameters)));
    public static final MethodDeclaration WEIGHT_AVERAGE = new MethodDeclaration("opcm/weight_average",
            List.of("continual_weight_average"), "running mean of the models, one at a time", with(null),
            parameters -> new ContinualMerging(Double.NaN, ContinualProtocol.from(parameters)));

    private final double scalingFactor;
    private final ContinualProtocol order;

    /** A NaN scaling factor selects the running weight average. */
    ContinualMerging(double scalingFactor, ContinualProtocol order) {
        this.scalingFactor = scalingFactor;
        this.order = order;
    }

    private static List<ParameterSpec> with(ParameterSpec own) {
        List<ParameterSpec> all = new ArrayList<>();
        if (own != null) {
            all.add(own);
        }
        all.addAll(CommonParameters.continual());
        return all;
    }

    @Override
    public List<ModelSource> mergeOrder(ModelPool pool, long seed) {
        return order.apply(pool.requireModels("opcm", 1), seed);
    }

    @Override
    public ContinualFusionAlgorithm inGivenOrder() {
        return new ContinualMerging(scalingFactor, order.inGivenOrder());
    }

    @Override
    public amalgam.fusion.StepOutputs stepOutputs() {
        return order.stepOutputs();
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        List<ModelSource> models = mergeOrder(pool, seed);
        if (Double.isNaN(scalingFactor)) {
            return PerTensorPlan.build(pool, 2, (name, shape, arena) -> {
                Tensor merged = TensorInputs.read(models.getFirst(), name, shape, arena);
                for (int t = 1; t < models.size(); t++) {
                    try (Arena scratch = Arena.ofConfined()) {
                        Tensor theta = TensorInputs.read(models.get(t), name, shape, scratch);
                        for (long i = 0, n = merged.elementCount(); i < n; i++) {
                            merged.setFloat(i, (merged.getFloat(i) * t + theta.getFloat(i)) / (t + 1));
                        }
                    }
                }
                return merged;
            });
        }
        ModelSource base = pool.requirePretrained("opcm/task_arithmetic");
        float lambda = (float) scalingFactor;
        return PerTensorPlan.build(pool, 3, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            Tensor merged = TensorInputs.read(base, name, shape, arena);
            for (ModelSource model : models) {
                try (Arena scratch = Arena.ofConfined()) {
                    F32Tensors.addScaledInPlace(merged, TensorInputs.taskVector(model, name, theta0, scratch), lambda);
                }
            }
            return merged;
        });
    }
}

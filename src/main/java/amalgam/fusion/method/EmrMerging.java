package amalgam.fusion.method;

import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTaskFusionAlgorithm;
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
 * FusionBench {@code emr_merging/emr_merging} (Huang et al., 2024), per tensor: γ = +1 where Σᵢ τᵢ > 0 else −1
 * (zero counts as −1); maskᵢ = (τᵢ·γ > 0); τ_uni = γ · maxᵢ |maskᵢ ⊙ τᵢ|; rescaler
 * rᵢ = Σ_tensors mean|τᵢ| / Σ_tensors mean|τ_uni ⊙ maskᵢ| (a sum of per-tensor means). Task i uses
 * θ = θ0 + rᵢ · (maskᵢ ⊙ τ_uni).
 */
public final class EmrMerging implements PerTaskFusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("emr_merging/emr_merging",
            List.of("emr_merging"), "elect, mask and rescale: a unified task vector with per-task masks and scales",
            List.of(), parameters -> new EmrMerging());

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        throw PerTaskFusionAlgorithm.singleModelUnavailable(DECLARATION.configName());
    }

    @Override
    public List<TensorJob> planForTask(ModelPool pool, long seed, int taskIndex) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        float rescaler = (float) rescaler(base, models, taskIndex);
        return PerTensorPlan.build(pool, models.size() + 3, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            Tensor[] tau = taskVectors(base, models, name, shape, theta0, arena);
            Tensor unified = unified(tau, arena);
            for (long i = 0, n = theta0.elementCount(); i < n; i++) {
                float u = unified.getFloat(i);
                if (tau[taskIndex].getFloat(i) * electedSign(tau, i) > 0) {
                    theta0.setFloat(i, theta0.getFloat(i) + rescaler * u);
                }
            }
            return theta0;
        });
    }

    private static Tensor[] taskVectors(ModelSource base, List<ModelSource> models, String name, Shape shape, Tensor theta0,
                                        Arena arena) {
        Tensor[] tau = new Tensor[models.size()];
        for (int i = 0; i < tau.length; i++) {
            tau[i] = TensorInputs.taskVector(models.get(i), name, theta0, arena);
        }
        return tau;
    }

    /** γ at one element: +1 where Σᵢ τᵢ > 0, else −1. */
    static float electedSign(Tensor[] tau, long index) {
        float sum = 0;
        for (Tensor t : tau) {
            sum += t.getFloat(index);
        }
        return sum > 0 ? 1f : -1f;
    }

    /** τ_uni = γ · maxᵢ |maskᵢ ⊙ τᵢ|. */
    static Tensor unified(Tensor[] tau, Arena arena) {
        Tensor unified = Tensor.allocate(arena, DType.F32, tau[0].shape());
        for (long i = 0, n = unified.elementCount(); i < n; i++) {
            float gamma = electedSign(tau, i);
            float max = 0;
            for (Tensor t : tau) {
                float x = t.getFloat(i);
                if (x * gamma > 0) {
                    max = Math.max(max, Math.abs(x));
                }
            }
            unified.setFloat(i, gamma * max);
        }
        return unified;
    }

    /** rᵢ over every floating tensor (one streaming pass; one tensor of every model at a time). */
    static double rescaler(ModelSource base, List<ModelSource> models, int taskIndex) {
        double numerator = 0;
        double denominator = 0;
        for (String name : base.tensorNames()) {
            Tensor stored = base.tensor(name);
            boolean floating = stored.dtype().isFloatingPoint();
            Shape shape = stored.shape();
            base.release(name);
            if (!floating) {
                continue;
            }
            try (Arena arena = Arena.ofConfined()) {
                Tensor theta0 = TensorInputs.read(base, name, shape, arena);
                Tensor[] tau = taskVectors(base, models, name, shape, theta0, arena);
                Tensor unified = unified(tau, arena);
                double absTask = 0;
                double absMasked = 0;
                for (long i = 0, n = unified.elementCount(); i < n; i++) {
                    float x = tau[taskIndex].getFloat(i);
                    absTask += Math.abs(x);
                    if (x * electedSign(tau, i) > 0) {
                        absMasked += Math.abs(unified.getFloat(i));
                    }
                }
                long n = Math.max(1, unified.elementCount());
                numerator += absTask / n;
                denominator += absMasked / n;
            }
        }
        return numerator / denominator;
    }
}

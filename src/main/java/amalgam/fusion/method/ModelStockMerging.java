package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Set;

/**
 * FusionBench {@code model_stock/model_stock} (Jang et al., 2024), per tensor:
 * cosᵢⱼ = ⟨τᵢ,τⱼ⟩ / (sqrt(‖τᵢ‖²‖τⱼ‖²) + 1e-8) clamped to [−1, 1]; with T = 2 the angle acos(cos₁₂), with T > 2
 * the mean of the pairwise angles in degrees, cosθ = cos(mean angle);
 * t = T·cosθ / ((T−1)·cosθ + 1 + 1e-8); θ = t·avg(θᵢ) + (1−t)·θ0. Ignored keys get avg(θᵢ).
 * Needs θ0 and at least two fine-tuned models.
 */
public final class ModelStockMerging implements FusionAlgorithm {
    public static final List<String> DEFAULT_IGNORE_KEYS = List.of("model.positional_embedding", "model.text_projection",
            "model.logit_scale", "model.token_embedding.weight", "model.ln_final.weight", "model.ln_final.bias");
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("model_stock/model_stock",
            List.of("model_stock"), "interpolate the average towards θ0 by the task vectors' angle",
            List.of(ParameterSpec.of("ignore_keys", ParameterType.STRING_LIST, DEFAULT_IGNORE_KEYS,
                    "tensor names that get the plain average")),
            parameters -> new ModelStockMerging(parameters.getStrings("ignore_keys")));

    private final Set<String> ignoreKeys;

    public ModelStockMerging(List<String> ignoreKeys) {
        this.ignoreKeys = Set.copyOf(ignoreKeys);
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 2);
        return PerTensorPlan.build(pool, models.size() + 2, (name, shape, arena) -> ignoreKeys.contains(name)
                ? SimpleAverage.average(models, name, shape, arena)
                : merge(base, models, name, shape, arena));
    }

    private static Tensor merge(ModelSource base, List<ModelSource> models, String name, Shape shape, Arena arena) {
        Tensor theta0 = TensorInputs.read(base, name, shape, arena);
        int count = models.size();
        Tensor[] tau = new Tensor[count];
        for (int i = 0; i < count; i++) {
            tau[i] = TensorInputs.taskVector(models.get(i), name, theta0, arena);
        }
        double t = interpolationRatio(tau);
        // avg(θᵢ) = θ0 + mean(τᵢ); θ = t·avg + (1−t)·θ0
        Tensor average = SimpleAverage.average(models, name, shape, arena);
        for (long i = 0, n = theta0.elementCount(); i < n; i++) {
            theta0.setFloat(i, (float) (t * average.getFloat(i) + (1 - t) * theta0.getFloat(i)));
        }
        return theta0;
    }

    /** t = T·cosθ / ((T−1)·cosθ + 1 + 1e-8) from the task vectors of one tensor. */
    static double interpolationRatio(Tensor[] tau) {
        int count = tau.length;
        double cos;
        double angleSum = 0;
        int pairs = 0;
        double[] squaredNorm = new double[count];
        for (int i = 0; i < count; i++) {
            squaredNorm[i] = F32Tensors.dot(tau[i], tau[i]);
        }
        for (int i = 0; i < count; i++) {
            for (int j = i + 1; j < count; j++) {
                double c = F32Tensors.dot(tau[i], tau[j]) / (Math.sqrt(squaredNorm[i] * squaredNorm[j]) + 1e-8);
                c = Math.max(-1, Math.min(1, c));
                angleSum += Math.toDegrees(Math.acos(c));
                pairs++;
            }
        }
        cos = Math.cos(Math.toRadians(angleSum / pairs));
        return count * cos / ((count - 1) * cos + 1 + 1e-8);
    }
}

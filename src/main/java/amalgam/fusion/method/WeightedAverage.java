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
import java.lang.foreign.Arena;
import java.util.List;

/**
 * FusionBench {@code linear/weighted_average}: θ = Σᵢ wᵢ θᵢ over the fine-tuned models, with w ← w / Σw when
 * {@code normalize}. The number of weights must equal the number of models (the default list has two).
 */
public final class WeightedAverage implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("linear/weighted_average",
            List.of("weighted_average"), "weighted sum of the fine-tuned models",
            List.of(ParameterSpec.of("normalize", ParameterType.BOOL, true, "divide the weights by their sum"),
                    ParameterSpec.of("weights", ParameterType.FLOAT_LIST, List.of(0.5, 0.5), Domain.REAL, "one weight per fine-tuned model")),
            parameters -> new WeightedAverage(parameters.getDoubles("weights"), parameters.getBoolean("normalize")));

    private final List<Double> weights;
    private final boolean normalize;

    public WeightedAverage(List<Double> weights, boolean normalize) {
        this.weights = List.copyOf(weights);
        this.normalize = normalize;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        if (weights.size() != models.size()) {
            throw new UserInputException("method 'linear/weighted_average' has " + weights.size() + " weights for "
                    + models.size() + " models; set method.weights to a list of " + models.size() + " numbers");
        }
        float[] w = new float[weights.size()];
        double total = weights.stream().mapToDouble(Double::doubleValue).sum();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (normalize ? weights.get(i) / total : weights.get(i));
        }
        return PerTensorPlan.build(pool, 2, (name, shape, arena) -> {
            Tensor sum = Tensor.allocate(arena, amalgam.tensor.DType.F32, shape);
            for (int i = 0; i < models.size(); i++) {
                try (Arena scratch = Arena.ofConfined()) {
                    F32Tensors.addScaledInPlace(sum, TensorInputs.read(models.get(i), name, shape, scratch), w[i]);
                }
            }
            return sum;
        });
    }
}

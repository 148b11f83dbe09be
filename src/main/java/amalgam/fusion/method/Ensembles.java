package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.model.clip.EnsembleEmbedder.Combination;
import amalgam.param.Domain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * FusionBench's ensembles over the fine-tuned models (θ0 unused): {@code ensemble/simple_ensemble} (mean),
 * {@code ensemble/weighted_ensemble} (Σ wᵢ·fᵢ, w ← w / Σw when {@code normalize}; no weights: 1/T each) and
 * {@code ensemble/max_model_predictor} (element-wise maximum). For CLIP they combine the members' pooled vision
 * features before the pretrained projection and the head (spec §1), not their probabilities.
 */
public final class Ensembles implements FusionMethod {
    public static final MethodDeclaration SIMPLE = new MethodDeclaration("ensemble/simple_ensemble", List.of("simple_ensemble"),
            "mean of the fine-tuned models' features",
            List.of(ParameterSpec.nullable("device_map", ParameterType.STRING, null, "accepted for compatibility; CPU only")),
            parameters -> new Ensembles("ensemble/simple_ensemble", Combination.WEIGHTED_SUM, null, true));
    public static final MethodDeclaration WEIGHTED = new MethodDeclaration("ensemble/weighted_ensemble",
            List.of("weighted_ensemble"), "weighted sum of the fine-tuned models' features",
            List.of(ParameterSpec.of("normalize", ParameterType.BOOL, true, "divide the weights by their sum"),
                    ParameterSpec.nullable("weights", ParameterType.FLOAT_LIST, null, Domain.REAL,
                            "one weight per fine-tuned model (null: 1/T each)")),
            parameters -> new Ensembles("ensemble/weighted_ensemble", Combination.WEIGHTED_SUM,
                    parameters.get("weights") == null ? null : parameters.getDoubles("weights"), parameters.getBoolean("normalize")));
    public static final MethodDeclaration MAX = new MethodDeclaration("ensemble/max_model_predictor",
            List.of("max_model_predictor"), "element-wise maximum of the fine-tuned models' features", List.of(),
            parameters -> new Ensembles("ensemble/max_model_predictor", Combination.MAX, null, false));

    private final String method;
    private final Combination combination;
    private final List<Double> weights;
    private final boolean normalize;

    private Ensembles(String method, Combination combination, List<Double> weights, boolean normalize) {
        this.method = method;
        this.combination = combination;
        this.weights = weights == null ? null : List.copyOf(weights);
        this.normalize = normalize;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        List<ModelSource> members = context.pool().requireModels(method, 1);
        return new FusionResult.Ensemble(members, memberWeights(members.size()), combination);
    }

    private List<Double> memberWeights(int count) {
        if (weights == null) {
            return Collections.nCopies(count, 1.0 / count);
        }
        if (weights.size() != count) {
            throw new UserInputException("method '" + method + "' has " + weights.size() + " weights for " + count
                    + " models; set method.weights to a list of " + count + " numbers");
        }
        double total = weights.stream().mapToDouble(Double::doubleValue).sum();
        if (normalize && total == 0) {
            throw new UserInputException("method '" + method + "': the weights sum to 0 and cannot be normalized");
        }
        List<Double> result = new ArrayList<>();
        weights.forEach(weight -> result.add(normalize ? weight / total : weight));
        return result;
    }
}

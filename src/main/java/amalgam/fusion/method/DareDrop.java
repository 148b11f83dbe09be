package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.tensor.kernel.CounterRng;
import amalgam.fusion.TensorScopes;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.tensor.Tensor;
import java.util.List;

/**
 * DARE's random drop (Yu et al., 2024) of one task-vector tensor: each element is kept iff U(0,1) > p
 * (independent Bernoulli, no exact count) and kept values are divided by (1 − p) when {@code rescale}. With
 * {@code only_on_linear_weights} only linear-layer weights are dropped. U comes from a counter-based generator
 * keyed by (seed, tensor name, model index, element index).
 */
record DareDrop(double sparsityRatio, boolean onlyOnLinearWeights, boolean rescale) {
    static List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.of("sparsity_ratio", ParameterType.FLOAT, 0.5, "p, the probability of dropping an entry"),
                ParameterSpec.of("only_on_linear_weights", ParameterType.BOOL, false, "drop only in linear-layer weights"),
                ParameterSpec.of("rescale", ParameterType.BOOL, true, "divide kept entries by 1 − p"));
    }

    static DareDrop from(MethodParameters parameters) {
        double p = parameters.getDouble("sparsity_ratio");
        boolean rescale = parameters.getBoolean("rescale");
        if (p < 0 || p > 1 || (rescale && p == 1)) {
            throw new UserInputException("parameter 'sparsity_ratio' of method '" + parameters.method()
                    + "' must be in [0, 1] (and below 1 with rescale), got " + p);
        }
        return new DareDrop(p, parameters.getBoolean("only_on_linear_weights"), rescale);
    }

    /** Drops entries of {@code tau} (tensor {@code name} of task model {@code modelIndex}) in place. */
    void applyInPlace(Tensor tau, String name, int modelIndex, long seed) {
        if (onlyOnLinearWeights && !TensorScopes.isLinearWeight(name, tau.shape().rank())) {
            return;
        }
        CounterRng random = CounterRng.of(seed, name, modelIndex);
        float scale = rescale ? (float) (1 / (1 - sparsityRatio)) : 1f;
        for (long i = 0, n = tau.elementCount(); i < n; i++) {
            tau.setFloat(i, random.uniform(i) > sparsityRatio ? tau.getFloat(i) * scale : 0f);
        }
    }
}

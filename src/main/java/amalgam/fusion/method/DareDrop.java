package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.tensor.kernel.CounterRng;
import amalgam.fusion.TensorScopes;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.param.Domain;
import amalgam.fusion.param.ParameterType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * DARE's random drop (Yu et al., 2024) of one task-vector tensor: each element is kept iff U(0,1) > p
 * (independent Bernoulli, no exact count) and kept values are divided by (1 − p) when {@code rescale}. With
 * {@code only_on_linear_weights} only linear-layer weights are dropped. U comes from a counter-based generator
 * keyed by (seed, tensor name, model index, element index).
 */
record DareDrop(double sparsityRatio, boolean onlyOnLinearWeights, boolean rescale) {
    /** Uniforms drawn at a time (four per Philox block). */
    private static final int UNIFORMS = 1024;

    static List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.of("sparsity_ratio", ParameterType.FLOAT, 0.5, Domain.closedOpen(0, 1),
                        "p, the probability of dropping an entry (p = 1 would rescale by 1/0)"),
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
        applyInPlace(tau.data(), name, tau.shape().rank(), modelIndex, seed, 0, tau.elementCount());
    }

    /**
     * Drops entries [start, start + count) of the task vector of tensor {@code name} (rank {@code rank}) of task model
     * {@code modelIndex}, held as float32 in {@code window}: the same entries as a whole-tensor drop, for any windows.
     */
    void applyInPlace(MemorySegment window, String name, int rank, int modelIndex, long seed, long start, long count) {
        if (onlyOnLinearWeights && !TensorScopes.isLinearWeight(name, rank)) {
            return;
        }
        CounterRng random = CounterRng.of(seed, name, modelIndex);
        float scale = rescale ? (float) (1 / (1 - sparsityRatio)) : 1f;
        float[] uniforms = new float[UNIFORMS];
        MemorySegment stream = MemorySegment.ofArray(uniforms);
        for (long from = 0; from < count; from += UNIFORMS) {
            int n = (int) Math.min(UNIFORMS, count - from);
            random.fillUniform(stream, start + from, n);
            for (int j = 0; j < n; j++) {
                long i = from + j;
                window.setAtIndex(Layouts.F32, i, uniforms[j] > sparsityRatio ? window.getAtIndex(Layouts.F32, i) * scale : 0f);
            }
        }
    }
}

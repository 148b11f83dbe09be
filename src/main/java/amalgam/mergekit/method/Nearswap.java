package amalgam.mergekit.method;

import amalgam.param.Domain;
import amalgam.UserInputException;
import java.util.List;

/**
 * {@code nearswap}: base {@code a}, one other {@code b}; elementwise {@code λ = clamp(t / max(|a − b|, 1e-6), 0, 1)},
 * {@code out = λ b + (1 − λ) a}. Near-identical entries take {@code b}, distant ones stay near {@code a}.
 */
public final class Nearswap {
    public static final MergeMethod DECLARATION = new MergeMethod("nearswap", "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#nearswap",
            List.of(MergekitParameter.required("t", Domain.NON_NEGATIVE, "similarity threshold: elements closer than t take the other model's value")),
            List.of(), ShapeRule.EXACT, true, LoneInput.BASE, Nearswap::merge);

    private Nearswap() {
    }

    private static MergedTensor merge(MergeRequest request) {
        TensorInput base = request.base();
        List<TensorInput> others = request.others();
        if (others.size() != 1) {
            throw new UserInputException("nearswap needs exactly one model besides the base for tensor '"
                    + request.tensorName() + "', got " + others.size());
        }
        double t = request.global("t");
        float[] a = base.values();
        float[] b = others.getFirst().values();
        float[] out = new float[a.length];
        for (int e = 0; e < a.length; e++) {
            double lambda = Math.clamp(t / Math.max(Math.abs((double) a[e] - b[e]), 1e-6), 0.0, 1.0);
            out[e] = request.precision().round(lambda * b[e] + (1 - lambda) * a[e]);
        }
        return new MergedTensor(base.shape(), out);
    }
}

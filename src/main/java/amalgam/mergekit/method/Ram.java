package amalgam.mergekit.method;

import amalgam.param.Domain;
import java.util.List;

/**
 * {@code ram} and {@code ramplus_tl}. {@code T_i = x_i − base}, active {@code A_i = |T_i| > epsilon},
 * {@code c = Σ_i A_i} per position. {@code ram}: {@code out = base + Σ_i T_i A_i ([c = 1] + [c > 1]/c)}.
 * {@code ramplus_tl}: additionally per model {@code ρ_i = shared_i / max(unique_i, ε)} over this tensor and
 * {@code λ_i = 1 + r·clamp(ρ_i, 0, α)} multiplies the model's unique contributions.
 */
public final class Ram {
    private static final String REFERENCE = "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#ram";
    private static final MergekitParameter EPSILON = MergekitParameter.optional("epsilon", 1e-5, Domain.NON_NEGATIVE,
            "entries of a task vector at or below this magnitude are inactive");

    public static final MergeMethod RAM = new MergeMethod("ram", REFERENCE, List.of(EPSILON), List.of(), ShapeRule.EXACT,
            true, LoneInput.BASE, request -> merge(request, false));

    public static final MergeMethod RAM_PLUS = new MergeMethod("ramplus_tl", REFERENCE,
            List.of(MergekitParameter.optional("r", 0.1, Domain.NON_NEGATIVE, "strength of the boost of a model's unique entries"),
                    MergekitParameter.optional("alpha", 0.2, Domain.NON_NEGATIVE, "cap on the shared-to-unique ratio ρ"), EPSILON),
            List.of(), ShapeRule.EXACT, true, LoneInput.BASE, request -> merge(request, true));

    private Ram() {
    }

    private static MergedTensor merge(MergeRequest request, boolean plus) {
        TensorInput base = request.base();
        List<TensorInput> others = request.others();
        double epsilon = request.global("epsilon");
        int count = others.size();
        int n = base.values().length;
        float[][] deltas = new float[count][];
        int[] active = new int[n];
        for (int m = 0; m < count; m++) {
            deltas[m] = FloatVectors.subtract(others.get(m).values(), base.values(), request.precision());
            for (int e = 0; e < n; e++) {
                active[e] += Math.abs(deltas[m][e]) > epsilon ? 1 : 0;
            }
        }
        double[] lambda = new double[count];
        for (int m = 0; m < count; m++) {
            lambda[m] = 1;
            if (plus) {
                long shared = 0;
                long unique = 0;
                for (int e = 0; e < n; e++) {
                    if (Math.abs(deltas[m][e]) > epsilon) {
                        shared += active[e] > 1 ? 1 : 0;
                        unique += active[e] == 1 ? 1 : 0;
                    }
                }
                double rho = shared / Math.max((double) unique, epsilon);
                lambda[m] = 1 + request.global("r") * Math.clamp(rho, 0, request.global("alpha"));
            }
        }
        float[] out = new float[n];
        for (int e = 0; e < n; e++) {
            double sum = 0;
            for (int m = 0; m < count; m++) {
                if (Math.abs(deltas[m][e]) > epsilon) {
                    sum += active[e] == 1 ? lambda[m] * deltas[m][e] : deltas[m][e] / active[e];
                }
            }
            out[e] = request.precision().round(base.values()[e] + sum);
        }
        return new MergedTensor(base.shape(), out);
    }
}

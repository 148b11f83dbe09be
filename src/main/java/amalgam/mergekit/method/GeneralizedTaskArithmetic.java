package amalgam.mergekit.method;

import amalgam.param.Domain;
import amalgam.tensor.kernel.CounterRng;
import java.util.ArrayList;
import java.util.List;

/**
 * The generalized task arithmetic family (task arithmetic, TIES, DARE, model breadcrumbs, DELLA), one class
 * configured by a {@link Sparsifier}, a consensus switch and defaults (spec 3.6). Per tensor:
 * <ol>
 *   <li>{@code Δ_i = x_i − base} for every non-base model (none: output the base);</li>
 *   <li>sparsify each {@code Δ_i} with its {@code density} (and {@code gamma} / {@code epsilon});</li>
 *   <li>{@code W_i = w_i Δ_i};</li>
 *   <li>with consensus: {@code s = sign(Σ W_i)} (0 counts as +), {@code M_i = [sign W_i = s]},
 *       {@code mixed = Σ W_i M_i}, {@code div = Σ w_i M_i} (0 → 1); else {@code mixed = Σ W_i},
 *       {@code div = Σ w_i} (|div| &lt; 1e-8 → 1);</li>
 *   <li>{@code normalize}: {@code mixed /= div}; then {@code mixed *= lambda};</li>
 *   <li>{@code out = base + mixed}.</li>
 * </ol>
 * Quirk kept: with consensus + normalize a lone surviving delta enters at full strength, whatever its weight.
 */
public final class GeneralizedTaskArithmetic {
    /** The kept fraction: 0 would keep nothing (mergekit's magnitude pruning asserts k > 0), above 1 means nothing. */
    static final Domain DENSITY = Domain.openClosed(0, 1);

    private GeneralizedTaskArithmetic() {
    }

    /** The registered variants (mergekit's registry). */
    public static List<MergeMethod> variants() {
        return List.of(
                variant("task_arithmetic", "https://arxiv.org/abs/2212.04089", Sparsifier.NONE, false, false, false),
                variant("ties", "https://arxiv.org/abs/2306.01708", Sparsifier.MAGNITUDE, true, true, false),
                variant("dare_linear", "https://arxiv.org/abs/2311.03099", Sparsifier.RANDOM, false, false, true),
                variant("dare_ties", "https://arxiv.org/abs/2311.03099", Sparsifier.RANDOM, true, false, true),
                variant("breadcrumbs", "https://arxiv.org/abs/2312.06795", Sparsifier.MAGNITUDE_OUTLIERS, false, false, false),
                variant("breadcrumbs_ties", "https://arxiv.org/abs/2312.06795", Sparsifier.MAGNITUDE_OUTLIERS, true, false, false),
                variant("della", "https://arxiv.org/abs/2406.11617", Sparsifier.DELLA_MAGPRUNE, true, true, true),
                variant("della_linear", "https://arxiv.org/abs/2406.11617", Sparsifier.DELLA_MAGPRUNE, false, false, true));
    }

    private static MergeMethod variant(String name, String reference, Sparsifier sparsifier, boolean consensus,
                                       boolean normalizeByDefault, boolean rescaleByDefault) {
        List<MergekitParameter> globals = List.of(
                MergekitParameter.flag("normalize", normalizeByDefault, "divide the mixed delta by the sum of the (agreeing) weights"),
                MergekitParameter.flag("rescale", rescaleByDefault, "rescale the kept entries so the delta keeps its L1 norm"),
                MergekitParameter.optional("lambda", 1.0, Domain.REAL, "scaling factor of the mixed delta"),
                MergekitParameter.flag("int8_mask", false, "store masks as int8 (memory only; no effect on the result)"));
        List<MergekitParameter> perModel = new ArrayList<>(List.of(
                MergekitParameter.required("weight", Domain.REAL, "the model's weight on its task vector"),
                MergekitParameter.optional("density", 1.0, DENSITY, "fraction of the task vector's entries kept")));
        if (sparsifier == Sparsifier.MAGNITUDE_OUTLIERS) {
            perModel.add(MergekitParameter.optional("gamma", 0.01, Domain.UNIT, "fraction of the largest entries removed as outliers"));
        }
        if (sparsifier == Sparsifier.DELLA_MAGPRUNE) {
            perModel.add(MergekitParameter.optional("epsilon", 0.15, Domain.UNIT, "spread of the keep probabilities around the density"));
        }
        return new MergeMethod(name, reference, globals, perModel, ShapeRule.BASE_SHAPE, true, LoneInput.BASE,
                request -> merge(request, sparsifier, consensus));
    }

    private static MergedTensor merge(MergeRequest request, Sparsifier sparsifier, boolean consensus) {
        TensorInput base = request.base();
        List<TensorInput> others = request.others();
        Precision precision = request.precision();
        boolean rescale = request.flag("rescale");
        int n = base.values().length;
        int count = others.size();
        float[][] weighted = new float[count][];
        float[] weights = new float[count];
        for (int m = 0; m < count; m++) {
            TensorInput model = others.get(m);
            String where = "tensor '" + request.tensorName() + "' of model '" + model.modelName() + "'";
            float[] delta = FloatVectors.subtract(model.values(), base.values(), precision);
            Sparsifier.Settings settings = new Sparsifier.Settings(model.parameter("density", request.tensorName()),
                    orDefault(model.parameterOrNull("gamma"), 0.01), orDefault(model.parameterOrNull("epsilon"), 0.15), rescale);
            float[] sparse = sparsifier.apply(delta, base.shape(),
                    settings, CounterRng.of(request.seed(), request.tensorName(), model.modelIndex()), where);
            weights[m] = precision.round(model.parameter("weight", request.tensorName()));
            weighted[m] = new float[n];
            for (int e = 0; e < n; e++) {
                weighted[m][e] = precision.round(weights[m] * sparse[e]);
            }
        }
        boolean normalize = request.flag("normalize");
        float lambda = (float) request.global("lambda");
        float scalarDivisor = 0;
        for (float weight : weights) {
            scalarDivisor += weight;
        }
        if (Math.abs(scalarDivisor) < 1e-8) {
            scalarDivisor = 1;
        }
        float[] out = new float[n];
        for (int e = 0; e < n; e++) {
            float mixed = 0;
            float divisor = 0;
            if (consensus) {
                float total = 0;
                for (int m = 0; m < count; m++) {
                    total += weighted[m][e];
                }
                float sign = total >= 0 ? 1f : -1f;
                for (int m = 0; m < count; m++) {
                    if (Math.signum(weighted[m][e]) == sign) {
                        mixed += weighted[m][e];
                        divisor += weights[m];
                    }
                }
                if (divisor == 0) {
                    divisor = 1;
                }
            } else {
                for (int m = 0; m < count; m++) {
                    mixed += weighted[m][e];
                }
                divisor = scalarDivisor;
            }
            mixed = precision.round(mixed);
            if (normalize) {
                mixed = precision.round(mixed / divisor);
            }
            if (lambda != 1f) {
                mixed = precision.round(mixed * lambda);
            }
            out[e] = precision.round(base.values()[e] + mixed);
        }
        return new MergedTensor(base.shape(), out);
    }

    private static double orDefault(Double value, double fallback) {
        return value == null ? fallback : value;
    }
}

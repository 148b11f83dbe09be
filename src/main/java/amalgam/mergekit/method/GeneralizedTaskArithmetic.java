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
public final class GeneralizedTaskArithmetic implements MergeMethod {
    /** The kept fraction: 0 would keep nothing (mergekit's magnitude pruning asserts k > 0), above 1 means nothing. */
    static final Domain DENSITY = Domain.openClosed(0, 1);

    private final String name;
    private final Sparsifier sparsifier;
    private final boolean consensus;
    private final boolean normalizeByDefault;
    private final boolean rescaleByDefault;

    public GeneralizedTaskArithmetic(String name, Sparsifier sparsifier, boolean consensus, boolean normalizeByDefault,
                                     boolean rescaleByDefault) {
        this.name = name;
        this.sparsifier = sparsifier;
        this.consensus = consensus;
        this.normalizeByDefault = normalizeByDefault;
        this.rescaleByDefault = rescaleByDefault;
    }

    /** The registered variants (mergekit's registry). */
    public static List<MergeMethod> variants() {
        return List.of(
                new GeneralizedTaskArithmetic("task_arithmetic", Sparsifier.NONE, false, false, false),
                new GeneralizedTaskArithmetic("ties", Sparsifier.MAGNITUDE, true, true, false),
                new GeneralizedTaskArithmetic("dare_linear", Sparsifier.RANDOM, false, false, true),
                new GeneralizedTaskArithmetic("dare_ties", Sparsifier.RANDOM, true, false, true),
                new GeneralizedTaskArithmetic("breadcrumbs", Sparsifier.MAGNITUDE_OUTLIERS, false, false, false),
                new GeneralizedTaskArithmetic("breadcrumbs_ties", Sparsifier.MAGNITUDE_OUTLIERS, true, false, false),
                new GeneralizedTaskArithmetic("della", Sparsifier.DELLA_MAGPRUNE, true, true, true),
                new GeneralizedTaskArithmetic("della_linear", Sparsifier.DELLA_MAGPRUNE, false, false, true));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ParameterSpec> globalParameters() {
        return List.of(ParameterSpec.flag("normalize", normalizeByDefault), ParameterSpec.flag("rescale", rescaleByDefault),
                ParameterSpec.optional("lambda", 1.0, Domain.REAL), ParameterSpec.flag("int8_mask", false));
    }

    @Override
    public List<ParameterSpec> tensorParameters() {
        List<ParameterSpec> specs = new ArrayList<>(List.of(ParameterSpec.required("weight", Domain.REAL),
                ParameterSpec.optional("density", 1.0, DENSITY)));
        if (sparsifier == Sparsifier.MAGNITUDE_OUTLIERS) {
            specs.add(ParameterSpec.optional("gamma", 0.01, Domain.UNIT));
        }
        if (sparsifier == Sparsifier.DELLA_MAGPRUNE) {
            specs.add(ParameterSpec.optional("epsilon", 0.15, Domain.UNIT));
        }
        return specs;
    }

    @Override
    public ShapeRule shapeRule() {
        return ShapeRule.BASE_SHAPE;
    }

    @Override
    public boolean requiresBaseModel() {
        return true;
    }

    @Override
    public MergedTensor merge(MergeRequest request) {
        TensorInput base = request.base();
        List<TensorInput> others = request.others();
        Precision precision = request.precision();
        if (others.isEmpty()) {
            return new MergedTensor(base.shape(), base.values().clone());
        }
        boolean rescale = request.flag("rescale");
        int n = base.values().length;
        int count = others.size();
        float[][] weighted = new float[count][];
        float[] weights = new float[count];
        for (int m = 0; m < count; m++) {
            TensorInput model = others.get(m);
            String where = "tensor '" + request.tensorName() + "' of model '" + model.modelName() + "'";
            float[] delta = Vectors.subtract(model.values(), base.values(), precision);
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

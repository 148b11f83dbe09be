package amalgam.fusion.method;

import amalgam.model.clip.ClipModel;
import amalgam.model.moe.SmileLinears;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.SmileRouting;
import amalgam.model.moe.SmileTensorNames;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MoE linears of a SMILE mixture that also measure, for every MoE linear, the mean over all tokens it sees of
 * each expert's softmax routing probability (before any top-k selection) — FusionBench's AdaSVD routing statistic.
 * Sums are kept in double, token by token in order, so the means do not depend on how the tokens were batched across
 * threads; the forward itself is {@link SmileLinears}'s.
 */
final class RoutingWeightMeter implements ClipModel.Linears {
    /** One MoE linear: its gate [T·gateK, in] and the running sums. */
    private static final class Site {
        final SmileMixture.Linear linear;
        final Var gate;
        final double[] sums;
        long tokens;

        Site(SmileMixture.Linear linear, Var gate, int experts) {
            this.linear = linear;
            this.gate = gate;
            this.sums = new double[experts];
        }
    }

    private final SmileLinears mixture;
    private final int experts;
    private final Map<String, Site> sites = new LinkedHashMap<>();

    /** Meters every linear of {@code mixture}, whose gate tensors {@code tensors} holds by {@link SmileTensorNames}. */
    RoutingWeightMeter(SmileMixture mixture, Map<String, Tensor> tensors) {
        this.mixture = SmileLinears.of(mixture, tensors);
        this.experts = mixture.experts().size();
        for (SmileMixture.Linear linear : mixture.linears()) {
            sites.put(linear.name(), new Site(linear, Var.constant(tensors.get(SmileTensorNames.gate(linear.name()))), experts));
        }
    }

    @Override
    public Var apply(Graph graph, Parameters params, String linear, Var x) {
        Site site = sites.get(linear);
        if (site != null) {
            observe(graph, site, x);
        }
        return mixture.apply(graph, params, linear, x);
    }

    private void observe(Graph graph, Site site, Var x) {
        int gateK = site.linear.gateK();
        int tokens = Math.toIntExact(x.shape().elementCount() / site.linear.inFeatures());
        float[] probabilities = SmileRouting.probabilities(floats(graph.linear(x, site.gate, null).value()), tokens, experts, gateK);
        for (int token = 0; token < tokens; token++) {
            for (int e = 0; e < experts; e++) {
                site.sums[e] += probabilities[token * experts + e];
            }
        }
        site.tokens += tokens;
    }

    /** The mean routing weight of each expert at {@code linear} over every token seen, as float32 (FusionBench's dtype). */
    float[] means(String linear) {
        Site site = sites.get(linear);
        if (site == null || site.tokens == 0) {
            throw new IllegalStateException("no tokens were routed through '" + linear + "'");
        }
        float[] means = new float[experts];
        for (int e = 0; e < experts; e++) {
            means[e] = (float) (site.sums[e] / site.tokens);
        }
        return means;
    }

    private static float[] floats(Tensor tensor) {
        float[] values = new float[Math.toIntExact(tensor.elementCount())];
        MemorySegment.copy(tensor.data(), Layouts.F32, 0, values, 0, values.length);
        return values;
    }
}

package amalgam.model.moe;

import java.util.List;

/**
 * What a saved mixture of experts is, besides its tensors: its kind (how its layers route and combine experts) and
 * its experts, named after the task models they come from, in pool order. One record per kind: SMILE (MoE linears),
 * WEMoE and sparse WEMoE, RankOne-MoE (MLP blocks merged from routed task vectors).
 */
public sealed interface MixtureDescription permits SmileMixture, WeightEnsemblingMixture, RankOneMixture {
    /** The kind's name in {@code moe.json}. */
    String kind();

    /** Expert names, in expert-index order. */
    List<String> experts();

    /** The parameters a method trained (a weight-ensembling mixture's routers), when they are not all of them. */
    default java.util.OptionalLong trainableParameters() {
        return java.util.OptionalLong.empty();
    }

    /** Parameters a token does not use: those of the experts it is not routed to. */
    long idleParametersPerToken();
}

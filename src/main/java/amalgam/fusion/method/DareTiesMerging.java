package amalgam.fusion.method;

import amalgam.parallel.Parallel;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * FusionBench {@code dare/ties_merging}: drop each task vector with DARE ({@link DareDrop}), then TIES steps
 * trim / elect / disjoint merge on the dropped vectors (the trim happens after the drop):
 * θ = θ0 + λ · TIES(drop(τ1)..drop(τT)).
 */
public final class DareTiesMerging implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("dare/ties_merging",
            List.of("dare_ties_merging"), "TIES merging of randomly dropped, rescaled task vectors",
            DareTaskArithmetic.withDare(List.of(CommonParameters.scalingFactor(0.5), CommonParameters.threshold(20),
                    CommonParameters.removeKeys(), CommonParameters.mergeFunction())),
            parameters -> new DareTiesMerging(parameters.getDouble("scaling_factor"), parameters.getDouble("threshold"),
                    parameters.getStrings("remove_keys"),
                    TiesCore.MergeFunction.parse("dare/ties_merging", parameters.getString("merge_func")),
                    DareDrop.from(parameters)));

    private final float scalingFactor;
    private final double threshold;
    private final Set<String> removeKeys;
    private final TiesCore.MergeFunction mergeFunction;
    private final DareDrop drop;

    DareTiesMerging(double scalingFactor, double threshold, List<String> removeKeys, TiesCore.MergeFunction mergeFunction,
                    DareDrop drop) {
        this.scalingFactor = (float) scalingFactor;
        this.threshold = threshold;
        this.removeKeys = new HashSet<>(removeKeys);
        this.mergeFunction = mergeFunction;
        this.drop = drop;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        return plan(pool, seed, Parallel.CALLING_THREAD);
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed, Parallel parallel) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        TiesCore.RowSource rows = new TiesCore.RowSource(base, models, (window, name, shape, r, start, count) ->
                drop.applyInPlace(window, name, shape.rank(), r, seed, start, count));
        return TiesMerging.plan(pool, rows, scalingFactor, threshold, removeKeys, mergeFunction, parallel);
    }
}

package amalgam.fusion.method;

import amalgam.parallel.Parallel;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Shape;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * FusionBench {@code ties_merging} (Yadav et al., 2023): θ = θ0 + λ · TIES(τ1..τT) where the trim is global over
 * the whole flattened model minus {@code remove_keys} (see {@link TiesCore}); FusionBench's default aggregation
 * is the disjoint <em>sum</em> with λ = 0.3 (the paper's disjoint mean is {@code merge_func=mean}).
 * Tensors in {@code remove_keys} keep θ0.
 */
public final class TiesMerging implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("ties_merging", List.of(),
            "trim, elect sign and disjoint-merge the task vectors",
            List.of(CommonParameters.scalingFactor(0.3), CommonParameters.threshold(20), CommonParameters.removeKeys(), CommonParameters.mergeFunction()),
            parameters -> new TiesMerging(parameters.getDouble("scaling_factor"), parameters.getDouble("threshold"),
                    parameters.getStrings("remove_keys"),
                    TiesCore.MergeFunction.parse("ties_merging", parameters.getString("merge_func"))));

    private final float scalingFactor;
    private final double threshold;
    private final Set<String> removeKeys;
    private final TiesCore.MergeFunction mergeFunction;

    public TiesMerging(double scalingFactor, double threshold, List<String> removeKeys, TiesCore.MergeFunction mergeFunction) {
        this.scalingFactor = (float) scalingFactor;
        this.threshold = threshold;
        this.removeKeys = new HashSet<>(removeKeys);
        this.mergeFunction = mergeFunction;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        return plan(pool, seed, Parallel.CALLING_THREAD);
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed, Parallel parallel) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        TiesCore.RowSource rows = new TiesCore.RowSource(base, models, TiesCore.RowTransform.NONE);
        return plan(pool, rows, scalingFactor, threshold, removeKeys, mergeFunction, parallel);
    }

    /**
     * The TIES plan over arbitrary rows (shared with DARE-TIES): θ = θ0 + λ·merged, remove_keys kept at θ0. The
     * statistics are computed here, with {@code parallel}; each job then streams its tensor once.
     */
    static List<TensorJob> plan(ModelPool pool, TiesCore.RowSource rows, float lambda, double threshold,
                                Set<String> removeKeys, TiesCore.MergeFunction function, Parallel parallel) {
        Map<String, Shape> scope = TiesCore.flattenedScope(pool, removeKeys);
        TiesCore.Statistics statistics = TiesCore.statistics(scope, rows, threshold, parallel);
        return PerTensorPlan.build(pool, 1, (name, shape, arena) -> scope.containsKey(name)
                ? TiesCore.merge(rows, name, shape, statistics, function, lambda, arena)
                : TensorInputs.read(rows.base(), name, shape, arena));
    }
}

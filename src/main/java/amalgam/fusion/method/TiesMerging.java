package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
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
            List.of(Parameters.scalingFactor(0.3), Parameters.threshold(20), Parameters.removeKeys(), Parameters.mergeFunction()),
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
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        TiesCore.RowSource rows = (r, name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            return TensorInputs.taskVector(models.get(r), name, theta0, arena);
        };
        return plan(pool, base, models.size(), rows, scalingFactor, threshold, removeKeys, mergeFunction);
    }

    /** The TIES plan over arbitrary rows (shared with DARE-TIES): θ = θ0 + λ·merged, remove_keys kept at θ0. */
    static List<TensorJob> plan(ModelPool pool, ModelSource base, int rowCount, TiesCore.RowSource rows, float lambda,
                                double threshold, Set<String> removeKeys, TiesCore.MergeFunction function) {
        Map<String, Shape> scope = TiesCore.flattenedScope(pool, removeKeys);
        TiesCore.Statistics statistics = TiesCore.statistics(scope, rowCount, rows, threshold);
        return PerTensorPlan.build(pool, rowCount + 2, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            if (!scope.containsKey(name)) {
                return theta0;
            }
            Tensor[] vectors = new Tensor[rowCount];
            for (int r = 0; r < rowCount; r++) {
                vectors[r] = rows.row(r, name, shape, arena);
            }
            Vectors.addScaledInPlace(theta0, TiesCore.merge(vectors, statistics, function, arena), lambda);
            return theta0;
        });
    }
}

package amalgam.fusion.method;

import amalgam.fusion.ContinualFusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.param.ParameterSpec;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * FusionBench {@code opcm/ties_merging}: M = θ0; step 1: δ = τ1; step t > 1: δ = TIES([M − θ0, τt]) (two-row TIES
 * with the global trim, see {@link TiesCore}); then M ← M + λ·δ (added to the current merged model, not rebuilt
 * from θ0). Holds one model in memory.
 */
public final class ContinualTiesMerging implements ContinualFusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("opcm/ties_merging",
            List.of("continual_ties_merging"), "TIES merging of the running merge with one new model at a time",
            parameters(), parameters -> new ContinualTiesMerging(parameters.getDouble("scaling_factor"),
                    parameters.getDouble("threshold"), parameters.getStrings("remove_keys"),
                    TiesCore.MergeFunction.parse("opcm/ties_merging", parameters.getString("merge_func")),
                    ContinualProtocol.from(parameters)));

    private final float scalingFactor;
    private final double threshold;
    private final Set<String> removeKeys;
    private final TiesCore.MergeFunction mergeFunction;
    private final ContinualProtocol order;

    ContinualTiesMerging(double scalingFactor, double threshold, List<String> removeKeys,
                         TiesCore.MergeFunction mergeFunction, ContinualProtocol order) {
        this.scalingFactor = (float) scalingFactor;
        this.threshold = threshold;
        this.removeKeys = new HashSet<>(removeKeys);
        this.mergeFunction = mergeFunction;
        this.order = order;
    }

    private static List<ParameterSpec> parameters() {
        List<ParameterSpec> all = new ArrayList<>(List.of(Parameters.scalingFactor(0.5), Parameters.threshold(20),
                Parameters.removeKeys(), Parameters.mergeFunction()));
        all.addAll(Parameters.continual());
        return all;
    }

    @Override
    public List<ModelSource> mergeOrder(ModelPool pool, long seed) {
        return order.apply(pool.requireModels(DECLARATION.configName(), 1), seed);
    }

    @Override
    public ContinualFusionAlgorithm inGivenOrder() {
        return new ContinualTiesMerging(scalingFactor, threshold, List.copyOf(removeKeys), mergeFunction, order.inGivenOrder());
    }

    @Override
    public boolean saveOnEveryStep() {
        return order.saveOnEveryStep();
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = mergeOrder(pool, seed);
        WorkingModel merged = WorkingModel.copyOf(base, base);
        Map<String, Shape> scope = TiesCore.flattenedScope(base, removeKeys);
        for (int t = 0; t < models.size(); t++) {
            ModelSource model = models.get(t);
            TiesCore.RowSource rows = (r, name, shape, arena) -> {
                Tensor theta0 = TensorInputs.read(base, name, shape, arena);
                if (r == 1) {
                    return TensorInputs.taskVector(model, name, theta0, arena);
                }
                Tensor difference = Tensor.allocate(arena, DType.F32, shape);
                difference.data().copyFrom(merged.get(name).data());
                Vectors.addScaledInPlace(difference, theta0, -1f);
                return difference;
            };
            TiesCore.Statistics statistics = t == 0 ? null : TiesCore.statistics(scope, 2, rows, threshold);
            for (Map.Entry<String, Shape> entry : scope.entrySet()) {
                String name = entry.getKey();
                try (Arena arena = Arena.ofConfined()) {
                    Tensor delta = t == 0
                            ? rows.row(1, name, entry.getValue(), arena)
                            : TiesCore.merge(new Tensor[] {rows.row(0, name, entry.getValue(), arena),
                                    rows.row(1, name, entry.getValue(), arena)}, statistics, mergeFunction, arena);
                    Vectors.addScaledInPlace(merged.get(name), delta, scalingFactor);
                }
            }
        }
        return merged.jobs();
    }
}

package amalgam.fusion.method;

import amalgam.fusion.ContinualFusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.param.ParameterSpec;
import amalgam.merge.InMemoryModelSource;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.parallel.Parallel;
import amalgam.tensor.Shape;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.MemorySegment;
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
        List<ParameterSpec> all = new ArrayList<>(List.of(CommonParameters.scalingFactor(0.5), CommonParameters.threshold(20),
                CommonParameters.removeKeys(), CommonParameters.mergeFunction()));
        all.addAll(CommonParameters.continual());
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
    public amalgam.fusion.StepOutputs stepOutputs() {
        return order.stepOutputs();
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        return plan(pool, seed, Parallel.CALLING_THREAD);
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed, Parallel parallel) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = mergeOrder(pool, seed);
        WorkingModel merged = WorkingModel.copyOf(base, base);
        Map<String, Shape> scope = TiesCore.flattenedScope(base, removeKeys);
        ModelSource current = new InMemoryModelSource("merged", merged.tensors());
        for (int t = 0; t < models.size(); t++) {
            // row 0 = M − θ0, row 1 = τt; each window is merged before M's window is updated
            TiesCore.RowSource rows = new TiesCore.RowSource(base, List.of(current, models.get(t)),
                    TiesCore.RowTransform.NONE);
            TiesCore.Statistics statistics = t == 0 ? null : TiesCore.statistics(scope, rows, threshold, parallel);
            TiesCore.streamBlocks(scope, rows, parallel, Step::new, (step, tensor, start, count) -> {
                MemorySegment delta;
                if (statistics == null) {
                    tensor.row(1, start, count, step.row);
                    delta = step.row;
                } else {
                    step.windows.merge(tensor, statistics, mergeFunction, start, count);
                    delta = step.windows.merged;
                }
                MemorySegment target = merged.get(tensor.name()).data().asSlice(start * Float.BYTES, count * Float.BYTES);
                F32Kernels.axpyInPlace(scalingFactor, delta, target, count);
            });
        }
        return merged.jobs();
    }

    /** A thread's scratch for one step: the two rows' windows and the merged window. */
    private static final class Step extends TiesCore.Worker {
        final TiesCore.MergeWindows windows = new TiesCore.MergeWindows(2, arena);
    }
}

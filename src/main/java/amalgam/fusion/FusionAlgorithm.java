package amalgam.fusion;

import amalgam.merge.TensorJob;
import amalgam.parallel.Parallel;
import java.util.List;

/** A data-free merge: turns a model pool into the fused model's per-tensor jobs. */
public interface FusionAlgorithm extends FusionMethod {
    /**
     * Builds the fused model's per-tensor jobs; may first stream over the pool for global statistics (bounded
     * memory: one tensor per model at a time, released after use).
     */
    List<TensorJob> plan(ModelPool pool, long seed);

    /**
     * As {@link #plan(ModelPool, long)}, with {@code parallel} for the global statistics passes of methods that have
     * them (TIES and its relatives stream the whole model before any job exists); the plan is the same for any
     * thread count. Without it they run on the calling thread.
     */
    default List<TensorJob> plan(ModelPool pool, long seed, Parallel parallel) {
        return plan(pool, seed);
    }

    @Override
    default FusionResult fuse(FusionContext context) {
        return new FusionResult.MergedModel(plan(context.pool(), context.seed(), context.parallel()));
    }
}

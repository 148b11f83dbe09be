package amalgam.fusion;

import amalgam.merge.TensorJob;
import java.util.List;

/** A data-free merge: turns a model pool into the fused model's per-tensor jobs. */
public interface FusionAlgorithm extends FusionMethod {
    /**
     * Builds the fused model's per-tensor jobs; may first stream over the pool for global statistics (bounded
     * memory: one tensor per model at a time, released after use).
     */
    List<TensorJob> plan(ModelPool pool, long seed);

    @Override
    default FusionResult fuse(FusionContext context) {
        return new FusionResult.MergedModel(plan(context.pool(), context.seed()));
    }
}

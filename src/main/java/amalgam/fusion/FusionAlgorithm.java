package amalgam.fusion;

import amalgam.merge.TensorJob;
import java.util.List;

/** A configured fusion method: turns a model pool into the fused model's per-tensor jobs. */
public interface FusionAlgorithm {
    /**
     * Builds the fused model's per-tensor jobs; may first stream over the pool for global statistics (bounded
     * memory: one tensor per model at a time, released after use).
     */
    List<TensorJob> plan(ModelPool pool, long seed);
}

package amalgam.model.clip;

import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * A model's image embeddings (before normalization) of pixel batches: one model, an ensemble, a mixture. One caller
 * at a time; evaluation makes one per lane through a {@link Factory}.
 */
public interface ImageEmbedder extends AutoCloseable {
    /** Image embeddings [B, P] of pixels [B, C, H, W], allocated in {@code arena}. */
    Tensor imageEmbeds(Tensor pixels, Arena arena);

    /**
     * Whether the embeddings are final as they are (normalized, perhaps corrected): the head then computes
     * exp(logit_scale) · embeds · headᵀ without normalizing them again.
     */
    default boolean normalized() {
        return false;
    }

    @Override
    void close();

    /** Makes embedders that use up to {@code threads} threads each (their results must not depend on it). */
    @FunctionalInterface
    interface Factory {
        ImageEmbedder create(int threads);
    }
}

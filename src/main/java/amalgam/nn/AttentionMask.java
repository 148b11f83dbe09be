package amalgam.nn;

import amalgam.tensor.Tensor;

/**
 * Which keys a query may see in {@link Graph#attention(Var, Var, Var, AttentionMask, float)}, as Hugging Face's 4-D
 * masks decide it for decoder models: query i sees key j unless j is in the future ({@code causal}: j > i + Lk − Lq),
 * outside a sliding window ({@code window} > 0: j ≤ i + Lk − Lq − window, so each query sees at most {@code window}
 * keys, itself included, as transformers' {@code sliding_window_overlay}), or padding ({@code keyMask} [B, Lk], 0 =
 * padding).
 *
 * @param causal  hide future keys
 * @param keyMask [B, Lk] with 0 at padded keys, or null for none
 * @param window  sliding window length in keys, or 0 for none
 */
public record AttentionMask(boolean causal, Tensor keyMask, long window) {
    public AttentionMask {
        if (window < 0) {
            throw new IllegalArgumentException("attention window must be >= 0, got " + window);
        }
        if (window > 0 && !causal) {
            throw new IllegalArgumentException("a sliding window needs a causal mask");
        }
    }

    /** No masking at all (an encoder without padding). */
    public static AttentionMask none() {
        return new AttentionMask(false, null, 0);
    }

    /** True when query i (of Lq, against Lk keys) may not see key j of batch row b. */
    boolean hides(long b, long i, long j, long queries, long keys) {
        long offset = keys - queries;
        if (causal && j > i + offset) {
            return true;
        }
        if (window > 0 && j <= i + offset - window) {
            return true;
        }
        return keyMask != null && keyMask.getFloat(b * keys + j) == 0;
    }
}

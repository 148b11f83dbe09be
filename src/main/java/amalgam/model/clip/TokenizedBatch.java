package amalgam.model.clip;

/**
 * Token ids and attention mask for a batch of texts; row {@code i} belongs to text {@code i}. Rows have equal
 * length unless the batch was encoded with {@link Padding#NONE}. The arrays are owned by the record.
 *
 * @param inputIds      {@code [N][L]} token ids, starting with BOS and ending with EOS before any padding
 * @param attentionMask {@code [N][L]}: 1 for real tokens, 0 for padding
 */
public record TokenizedBatch(long[][] inputIds, long[][] attentionMask) {
    public TokenizedBatch {
        if (inputIds.length != attentionMask.length) {
            throw new IllegalArgumentException(inputIds.length + " id rows but " + attentionMask.length + " mask rows");
        }
        for (int i = 0; i < inputIds.length; i++) {
            if (inputIds[i].length != attentionMask[i].length) {
                throw new IllegalArgumentException("row " + i + ": " + inputIds[i].length + " ids but "
                        + attentionMask[i].length + " mask entries");
            }
        }
    }

    /** Number of sequences. */
    public int size() {
        return inputIds.length;
    }
}

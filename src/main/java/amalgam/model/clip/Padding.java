package amalgam.model.clip;

/** How {@link ClipTokenizer#encode} pads a batch (on the right, with the pad token, attention mask 0). */
public enum Padding {
    /** Pad every sequence to the longest one in the batch ({@code padding=True}). */
    LONGEST,
    /** Pad every sequence to the maximum length ({@code padding="max_length"}). */
    MAX_LENGTH,
    /** No padding: rows keep their own lengths. */
    NONE
}

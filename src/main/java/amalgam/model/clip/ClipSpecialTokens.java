package amalgam.model.clip;

/**
 * The special token strings of a CLIP tokenizer. OpenAI checkpoints use {@code <|startoftext|>} to begin and
 * {@code <|endoftext|>} to end, pad and stand for unknown tokens; other checkpoints pad with other tokens
 * (LAION's use {@code "!"}), so the pad token is read from the checkpoint's files.
 *
 * @param bos     begin-of-sequence token, prepended to every sequence
 * @param eos     end-of-sequence token, appended to every sequence (kept when truncating)
 * @param pad     padding token
 * @param unknown token used for pieces missing from the vocabulary
 */
public record ClipSpecialTokens(String bos, String eos, String pad, String unknown) {
    public ClipSpecialTokens {
        for (String token : new String[] {bos, eos, pad, unknown}) {
            if (token == null || token.isEmpty()) {
                throw new IllegalArgumentException("special tokens must be non-empty strings");
            }
        }
    }

    /** The OpenAI CLIP special tokens. */
    public static ClipSpecialTokens openAi() {
        return new ClipSpecialTokens("<|startoftext|>", "<|endoftext|>", "<|endoftext|>", "<|endoftext|>");
    }
}

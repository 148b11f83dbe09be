package amalgam.mergekit.config;

/**
 * The embedding settings of one token listed under {@code tokenizer.tokens}.
 *
 * @param source where the token's fallback row comes from, or null for mergekit's default rule
 * @param force  every model takes the fallback row, even a model that has the token
 */
public record TokenEmbedding(EmbeddingSource source, boolean force) {
}

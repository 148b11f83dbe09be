package amalgam.mergekit.config;

/**
 * An explicit embedding row for one output token ({@code tokenizer.tokens.TOKEN.source}).
 */
public sealed interface EmbeddingSource {
    /** That model's row for the same token; the model must have the token. */
    record FromModel(ModelReference model) implements EmbeddingSource {
    }

    /**
     * A row of the model's original vocabulary: by token text or by id, exactly one of them set
     * ({@code kind: model_token}).
     */
    record ModelToken(ModelReference model, String token, Integer tokenId) implements EmbeddingSource {
    }

    /** A row of zeros ({@code kind: zero}). */
    record Zero() implements EmbeddingSource {
    }
}

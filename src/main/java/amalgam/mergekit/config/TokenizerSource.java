package amalgam.mergekit.config;

/**
 * Where the output vocabulary comes from ({@code tokenizer_source} or {@code tokenizer.source}, spec 1.7).
 */
public sealed interface TokenizerSource {
    /** The base model's tokenizer with every id at or above its config {@code vocab_size} removed. */
    record Base() implements TokenizerSource {
    }

    /** The stripped base vocabulary, then every other model's tokens it lacks, then all added tokens. */
    record Union() implements TokenizerSource {
    }

    /** That model's tokenizer as it is (not stripped). */
    record Model(ModelReference model) implements TokenizerSource {
    }
}

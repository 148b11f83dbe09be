package amalgam.mergekit.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tokenizer:} section, or {@code tokenizer_source: X} read as {@code tokenizer: {source: X}}.
 *
 * @param source          output vocabulary ({@code union} by default in the section)
 * @param tokens          per-token embedding settings in config order; every key is also added to the vocabulary
 * @param padToMultipleOf embedding rows are padded up to a multiple of this; 0 = no padding
 */
public record TokenizerSettings(TokenizerSource source, Map<String, TokenEmbedding> tokens, int padToMultipleOf) {

    public TokenizerSettings {
        tokens = Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
    }
}

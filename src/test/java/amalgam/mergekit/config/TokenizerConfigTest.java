package amalgam.mergekit.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code tokenizer_source} and the {@code tokenizer:} section (spec 1.1, 1.7). */
class TokenizerConfigTest {
    private static final String HEAD = "merge_method: linear\nmodels: [{model: a}, {model: b}]\n";

    private static TokenizerSettings tokenizer(String yaml) {
        return ConfigParser.parse(HEAD + yaml).tokenizer();
    }

    @Test
    void tokenizerSourceIsASectionWithOnlyASource() {
        assertNull(tokenizer(""));
        assertEquals(new TokenizerSettings(new TokenizerSource.Base(), Map.of(), 0), tokenizer("tokenizer_source: base\n"));
        assertEquals(new TokenizerSource.Union(), tokenizer("tokenizer_source: union\n").source());
        assertEquals(new TokenizerSource.Model(ModelReference.of("b")), tokenizer("tokenizer_source: b\n").source());
        assertEquals(new TokenizerSource.Model(new ModelReference("b", "v1", null, null)),
                tokenizer("tokenizer_source: {model: {path: b, revision: v1}}\n").source());
    }

    @Test
    void theSectionDefaultsToUnion() {
        assertEquals(new TokenizerSettings(new TokenizerSource.Union(), Map.of(), 0), tokenizer("tokenizer: {}\n"));
        assertEquals(new TokenizerSource.Base(), tokenizer("tokenizer: {source: base}\n").source());
        assertEquals(64, tokenizer("tokenizer: {pad_to_multiple_of: 64}\n").padToMultipleOf());
    }

    @Test
    void tokenSettingsKeepConfigOrder() {
        TokenizerSettings settings = tokenizer("""
                tokenizer:
                  source: union
                  tokens:
                    "<z>": {source: b, force: true}
                    "<a>": {source: {kind: zero}}
                    "<m>": {source: {kind: model_token, model: a, token: "<s>"}}
                    "<n>": {source: {kind: model_token, model: b, token_id: 3}}
                    "<plain>": {}
                    "<null>":
                """);
        assertEquals(List.of("<z>", "<a>", "<m>", "<n>", "<plain>", "<null>"), List.copyOf(settings.tokens().keySet()));
        assertEquals(new TokenEmbedding(new EmbeddingSource.FromModel(ModelReference.of("b")), true), settings.tokens().get("<z>"));
        assertEquals(new TokenEmbedding(new EmbeddingSource.Zero(), false), settings.tokens().get("<a>"));
        assertEquals(new EmbeddingSource.ModelToken(ModelReference.of("a"), "<s>", null), settings.tokens().get("<m>").source());
        assertEquals(new EmbeddingSource.ModelToken(ModelReference.of("b"), null, 3), settings.tokens().get("<n>").source());
        assertEquals(new TokenEmbedding(null, false), settings.tokens().get("<plain>"));
        assertEquals(new TokenEmbedding(null, false), settings.tokens().get("<null>"));
    }

    @Test
    void badTokenizerSettingsNameTheKey() {
        assertError("tokenizer_source: base\ntokenizer: {source: union}\n", "mutually exclusive");
        assertError("tokenizer: {pad_to_multiple_of: -8}\n", "tokenizer.pad_to_multiple_of");
        assertError("tokenizer: {pad_to_multiple_of: 1.5}\n", "tokenizer.pad_to_multiple_of");
        assertError("tokenizer: {tokens: {x: {source: {kind: random}}}}\n", "tokenizer.tokens.x.source.kind");
        assertError("tokenizer: {tokens: {x: {source: {kind: model_token, model: a}}}}\n", "exactly one of 'token' and 'token_id'");
        assertError("tokenizer: {tokens: {x: {source: {kind: model_token, model: a, token: t, token_id: 1}}}}\n",
                "exactly one of 'token' and 'token_id'");
        assertError("tokenizer: {tokens: {x: {source: {kind: model_token, token: t}}}}\n", "tokenizer.tokens.x.source.model");
        assertError("tokenizer: {tokens: {x: {source: {kind: model_token, model: a, token_id: x}}}}\n", "token_id");
        assertError("tokenizer: {tokens: {x: {force: maybe}}}\n", "tokenizer.tokens.x.force");
        assertError("tokenizer: {tokens: [x]}\n", "tokenizer.tokens");
        assertError("tokenizer: union\n", "tokenizer");
    }

    @Test
    void unknownTokenizerKeysAreWarningsOrErrorsWhenStrict() {
        MergeConfig config = ConfigParser.parse(HEAD + "tokenizer: {source: base, extra: 1}\n");
        assertTrue(config.warnings().getFirst().contains("tokenizer.extra"), config.warnings().toString());
        assertThrows(UserInputException.class, () -> ConfigParser.strict(HEAD + "tokenizer: {tokens: {x: {weight: 1}}}\n"));
    }

    private static void assertError(String yaml, String expected) {
        UserInputException error = assertThrows(UserInputException.class, () -> tokenizer(yaml));
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }
}

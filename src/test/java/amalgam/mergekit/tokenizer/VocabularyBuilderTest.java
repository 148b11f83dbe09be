package amalgam.mergekit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.mergekit.config.TokenizerSource;
import amalgam.mergekit.tokenizer.TokenizerJson.AddedToken;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The output vocabulary of each source, derived by hand from {@link Vocabularies}. */
class VocabularyBuilderTest {
    private static OutputVocabulary build(TokenizerSource source, List<String> extra) {
        return VocabularyBuilder.build(source, Vocabularies.models(), Vocabularies.parse(Vocabularies.X_JSON, "X"), extra);
    }

    private static Map<String, AddedToken> added(OutputVocabulary vocabulary) {
        return vocabulary.tokenizer().addedTokens().stream()
                .collect(Collectors.toMap(AddedToken::content, token -> token));
    }

    @Test
    void unionAppendsOtherModelsTokensThenAddedTokens() {
        OutputVocabulary union = build(new TokenizerSource.Union(), List.of());
        assertEquals(List.of("<s>", "a", "b", "c", "d", "e", "<x>"), union.tokens());
        Map<String, AddedToken> added = added(union);
        assertEquals(List.of("<s>", "d", "e", "<x>"), union.tokenizer().addedTokens().stream().map(AddedToken::content).toList());
        assertFalse(added.get("d").special(), "a token from another model's vocabulary becomes a plain added token");
        assertTrue(added.get("d").entry().get("normalized").asBoolean());
        assertTrue(added.get("<x>").special(), "<x> keeps X's settings: X comes before Y");
        assertEquals(6, added.get("<x>").id());
        assertEquals(Map.of("<s>", 0, "a", 1, "b", 2, "c", 3), union.tokenizer().modelVocabulary(),
                "the base's model vocabulary, stripped");
    }

    @Test
    void baseIsTheStrippedBaseTokenizer() {
        OutputVocabulary base = build(new TokenizerSource.Base(), List.of());
        assertEquals(List.of("<s>", "a", "b", "c"), base.tokens());
        assertEquals(List.of("<s>"), base.tokenizer().addedTokens().stream().map(AddedToken::content).toList());
    }

    @Test
    void aModelSourceIsThatTokenizerAsItIs() {
        OutputVocabulary x = build(new TokenizerSource.Model(Vocabularies.X), List.of());
        assertEquals(List.of("<s>", "a", "d", "b", "<x>"), x.tokens());
    }

    @Test
    void configuredTokensAreAddedAsHuggingFaceAddTokensDoes() {
        OutputVocabulary union = build(new TokenizerSource.Union(), List.of("<new>", "a", "<x>", "<new2>"));
        assertEquals(List.of("<s>", "a", "b", "c", "d", "e", "<x>", "<new>", "<new2>"), union.tokens());
        Map<String, AddedToken> added = added(union);
        assertEquals(1, added.get("a").id(), "a vocabulary token becomes an added token with its own id");
        assertTrue(added.get("<x>").special(), "an existing added token is left as it is");
        assertEquals(7, added.get("<new>").id());
        assertFalse(added.get("<new>").special());
    }
}

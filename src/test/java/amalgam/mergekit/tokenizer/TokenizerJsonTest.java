package amalgam.mergekit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading, stripping and writing tokenizer.json; malformed documents are user errors naming the file and key. */
class TokenizerJsonTest {
    @Test
    void vocabularyIsTheModelVocabWithAddedTokensOverItInIdOrder() {
        TokenizerJson x = Vocabularies.parse(Vocabularies.X_JSON, "X");
        assertEquals(Map.of("<s>", 0, "a", 1, "d", 2, "b", 3), x.modelVocabulary());
        assertEquals(List.of("<s>", "a", "d", "b", "<x>"), List.copyOf(x.vocabulary().keySet()));
        assertEquals(4, x.vocabulary().get("<x>"));
        assertEquals(4, x.maxId());
        assertEquals("BPE", x.modelType());
    }

    @Test
    void strippingRemovesHighIdsFromVocabAddedTokensAndMerges() throws Exception {
        TokenizerJson b = Vocabularies.parse(Vocabularies.B_JSON, "B");
        assertSame(b, b.stripped(5), "nothing at or above 5: unchanged");
        TokenizerJson stripped = b.stripped(4);
        assertEquals(List.of("<s>", "a", "b", "c"), List.copyOf(stripped.vocabulary().keySet()));
        assertEquals(List.of("<s>"), stripped.addedTokens().stream().map(TokenizerJson.AddedToken::content).toList());
        JsonNode written = new ObjectMapper().readTree(stripped.toJson());
        assertEquals("[\"a b\"]", written.path("model").path("merges").toString());
        assertEquals("{\"<s>\":0,\"a\":1,\"b\":2,\"c\":3}", written.path("model").path("vocab").toString());
        assertEquals(1, written.path("added_tokens").size());
        assertEquals("Whitespace", written.path("pre_tokenizer").path("type").asText(), "other keys are kept");
        assertEquals(5, b.vocabulary().size(), "the original is not changed");
    }

    @Test
    void mergesMayBeWrittenAsPairs() throws Exception {
        String json = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [[\"a\", \"b\"]]}}";
        TokenizerJson tokenizer = Vocabularies.parse(json, "pairs");
        ObjectMapper mapper = new ObjectMapper();
        assertEquals("[[\"a\",\"b\"]]", mapper.readTree(tokenizer.stripped(2).toJson()).path("model").path("merges").toString());
        assertEquals("[]", mapper.readTree(tokenizer.stripped(1).toJson()).path("model").path("merges").toString());
    }

    @Test
    void malformedDocumentsNameTheFileAndKey() {
        assertError("not json", "is not valid JSON");
        assertError("[]", "is not a JSON object");
        assertError("{}", "'model'");
        assertError("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0]]}}", "Unigram");
        assertError("{\"model\": {\"vocab\": {}}}", "model.type ''");
        assertError("{\"model\": {\"type\": \"BPE\", \"vocab\": []}}", "model.vocab");
        assertError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}}}", "model.vocab['a']");
        assertError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"0\"}}}", "model.vocab['a']");
        assertError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 4294967296}}}", "model.vocab['a']");
        assertError("{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": [\"abc\"]}}", "model.merges[0]");
        assertError("{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": {}}}", "model.merges");
        assertError("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {}}, \"added_tokens\": {}}", "added_tokens");
        assertError("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {}}, \"added_tokens\": [{\"id\": 0}]}", "added_tokens[0]");
        assertError("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {}}, \"added_tokens\": [{\"content\": \"x\"}]}",
                "added_tokens[0].id");
        assertError("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0, \"a\": 1}}}", "duplicate key");
    }

    @Test
    void outputIdsMustBeContiguous() {
        TokenizerJson gap = Vocabularies.parse("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0, \"b\": 2}}}", "gap");
        UserInputException error = assertThrows(UserInputException.class, () -> OutputVocabulary.of(gap));
        assertTrue(error.getMessage().contains("gap") && error.getMessage().contains("'b' has id 2"), error.getMessage());
        TokenizerJson shared = Vocabularies.parse("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0, \"b\": 0}}}", "shared");
        assertThrows(UserInputException.class, () -> OutputVocabulary.of(shared));
    }

    private static void assertError(String json, String expected) {
        UserInputException error = assertThrows(UserInputException.class, () -> Vocabularies.parse(json, "tokenizer file 'T'"));
        assertTrue(error.getMessage().contains("tokenizer file 'T'") && error.getMessage().contains(expected), error.getMessage());
    }
}

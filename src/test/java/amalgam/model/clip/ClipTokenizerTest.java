package amalgam.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hand-made vocabulary and merge list; every expected token list is derived by hand from the merges. */
class ClipTokenizerTest {
    private static final String BOS = "<|startoftext|>";
    private static final String EOS = "<|endoftext|>";
    /** Merges in rank order (the first line of merges.txt is a header). */
    private static final List<String> MERGES = List.of("h e", "l l", "he ll", "hell o</w>", "i t</w>", "' s</w>",
            "w o", "r l", "rl d</w>", "wo rld</w>");
    private static final List<String> TOKENS = List.of(BOS, EOS, "!", "!</w>", "hello</w>", "he", "l", "l</w>",
            "it</w>", "'s</w>", "world</w>", "2</w>", "0</w>", "4</w>", "Ã", "©</w>", "'", "t</w>");

    @TempDir
    Path dir;

    private ClipTokenizer tokenizer;

    @BeforeEach
    void writeTokenizer() throws IOException {
        writeVocabAndMerges(dir, TOKENS, MERGES);
        tokenizer = ClipTokenizer.fromDirectory(dir);
    }

    @Test
    void wordsAreMergedWithTheEndOfWordSuffix() {
        assertEquals(List.of("hello</w>"), tokenizer.tokenize("hello"));
        // "hell": h e l l</w> -> he l l</w>; "l l" does not apply to (l, l</w>).
        assertEquals(List.of("he", "l", "l</w>"), tokenizer.tokenize("hell"));
        assertEquals(List.of("hello</w>", "world</w>"), tokenizer.tokenize("  HeLLo\t\n World "));
    }

    @Test
    void numbersSplitPerDigitAndPunctuationRunsStayTogether() {
        assertEquals(List.of("2</w>", "0</w>", "2</w>", "4</w>"), tokenizer.tokenize("2024"));
        // "!!" is one pre-token: ! !</w>, with no merge for it.
        assertEquals(List.of("hello</w>", "!", "!</w>"), tokenizer.tokenize("hello!!"));
    }

    @Test
    void apostropheContractionsAreTheirOwnPreTokens() {
        assertEquals(List.of("it</w>", "'s</w>"), tokenizer.tokenize("it's"));
        assertEquals(List.of("it</w>", "'s</w>"), tokenizer.tokenize("IT'S"));
        // "don't" -> "don" + "'t"; neither merges fully: d o n</w> has no ranked pair.
        assertEquals(List.of("d", "o", "n</w>", "'", "t</w>"), tokenizer.tokenize("don't"));
    }

    @Test
    void unicodeGoesThroughTheByteAlphabet() {
        // é is UTF-8 C3 A9; both bytes are printable Latin-1 and map to themselves.
        assertEquals(List.of("Ã", "©</w>"), tokenizer.tokenize("É"));
        // A CJK ideograph is spaced out by the cleanup: E4 B8 AD; 0xAD is the 68th unprintable byte -> U+0143.
        assertEquals(List.of("ä", "¸", "\u0143</w>"), tokenizer.tokenize("中"));
        assertEquals('\u0120', ByteLevelAlphabet.charOf(' '));
        assertEquals("hello</w>", tokenizer.tokenize("hel\u0000lo\u200b").get(0));
    }

    @Test
    void specialTokenStringsBecomeTheirIds() {
        assertEquals(List.of("hello</w>", EOS, "world</w>"), tokenizer.tokenize("hello<|endoftext|>world"));
        assertArrayEquals(new int[] {4, 1, 10}, tokenizer.ids("hello<|endoftext|>world"));
    }

    @Test
    void unknownPiecesMapToTheUnknownToken() {
        // x is not in the vocabulary; the unknown token is <|endoftext|> (id 1).
        assertArrayEquals(new int[] {1}, tokenizer.ids("x"));
    }

    @Test
    void sequencesAreWrappedTruncatedAndPadded() {
        TokenizedBatch batch = tokenizer.encode(List.of("hello", "hello world"));
        assertArrayEquals(new long[] {0, 4, 1, 1}, batch.inputIds()[0]);
        assertArrayEquals(new long[] {1, 1, 1, 0}, batch.attentionMask()[0]);
        assertArrayEquals(new long[] {0, 4, 10, 1}, batch.inputIds()[1]);
        assertArrayEquals(new long[] {1, 1, 1, 1}, batch.attentionMask()[1]);

        TokenizedBatch truncated = tokenizer.encode(List.of("hello world 2024"), 4, Padding.LONGEST);
        assertArrayEquals(new long[] {0, 4, 10, 1}, truncated.inputIds()[0]);

        TokenizedBatch fixed = tokenizer.encode(List.of("hello"), 6, Padding.MAX_LENGTH);
        assertArrayEquals(new long[] {0, 4, 1, 1, 1, 1}, fixed.inputIds()[0]);
        assertArrayEquals(new long[] {1, 1, 1, 0, 0, 0}, fixed.attentionMask()[0]);

        TokenizedBatch ragged = tokenizer.encode(List.of("", "hello world"), 77, Padding.NONE);
        assertArrayEquals(new long[] {0, 1}, ragged.inputIds()[0]);
        assertEquals(4, ragged.inputIds()[1].length);
        assertEquals(77, tokenizer.maxLength());
    }

    @Test
    void padTokenAndMaxLengthComeFromTheConfigFiles() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"model_max_length\": 5, \"pad_token\": {\"content\": \"" + EOS + "\"}}");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"!\"}");
        ClipTokenizer configured = ClipTokenizer.fromDirectory(dir);
        assertEquals("!", configured.specialTokens().pad());
        assertEquals(2, configured.padId());
        assertEquals(5, configured.maxLength());
        TokenizedBatch batch = configured.encode(List.of("hello", "hello world 2024"));
        assertArrayEquals(new long[] {0, 4, 1, 2, 2}, batch.inputIds()[0]);
        assertArrayEquals(new long[] {0, 4, 10, 11, 1}, batch.inputIds()[1]);
    }

    @Test
    void tokenizerJsonGivesTheSameIds() throws IOException {
        Path json = Files.createDirectory(dir.resolve("json"));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("end_of_word_suffix", "</w>");
        model.put("vocab", vocabulary(TOKENS));
        model.put("merges", MERGES);
        Map<String, Object> root = Map.of("model", model,
                "added_tokens", List.of(Map.of("id", 0, "content", BOS), Map.of("id", 1, "content", EOS)));
        new ObjectMapper().writeValue(json.resolve("tokenizer.json").toFile(), root);
        ClipTokenizer fromJson = ClipTokenizer.fromDirectory(json);
        for (String text : List.of("hello world", "it's 2024!!", "hell<|endoftext|>É")) {
            assertArrayEquals(tokenizer.ids(text), fromJson.ids(text), text);
        }
    }

    @Test
    void malformedFilesAreUserErrorsNamingTheFile() throws IOException {
        assertRejected("vocab.json", "[1, 2]", "vocab.json");
        assertRejected("vocab.json", "{\"<|startoftext|>\": \"zero\"}", "<|startoftext|>");
        assertRejected("vocab.json", "{\"a\": 0, \"b\": 0}", "share id");
        assertRejected("vocab.json", "{\"<|startoftext|>\": 0, \"hello</w>\": 1}", "<|endoftext|>");
        assertRejected("vocab.json", "{not json", "vocab.json");
        writeVocabAndMerges(dir, TOKENS, MERGES);
        assertRejected("merges.txt", "#version: 0.2\nh e\nh e l\n", "line 3");
        assertRejected("merges.txt", "#version: 0.2\nh e\n\nl l\n", "line 3");
        Files.delete(dir.resolve("merges.txt"));
        Files.delete(dir.resolve("vocab.json"));
        UserInputException e = assertThrows(UserInputException.class, () -> ClipTokenizer.fromDirectory(dir));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    private void assertRejected(String file, String content, String expected) throws IOException {
        writeVocabAndMerges(dir, TOKENS, MERGES);
        Files.writeString(dir.resolve(file), content);
        UserInputException e = assertThrows(UserInputException.class, () -> ClipTokenizer.fromDirectory(dir));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static Map<String, Integer> vocabulary(List<String> tokens) {
        Map<String, Integer> vocabulary = new LinkedHashMap<>();
        for (String token : tokens) {
            vocabulary.put(token, vocabulary.size());
        }
        return vocabulary;
    }

    static void writeVocabAndMerges(Path directory, List<String> tokens, List<String> merges) throws IOException {
        new ObjectMapper().writeValue(directory.resolve("vocab.json").toFile(), vocabulary(tokens));
        Files.writeString(directory.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
    }
}

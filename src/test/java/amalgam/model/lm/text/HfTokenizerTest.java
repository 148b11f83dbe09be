package amalgam.model.lm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encodings of small tokenizer.json files built by hand in the two families Hugging Face models use, each expected
 * value derived by hand from the BPE rules (merges applied lowest rank first; bytes missing from the vocabulary fall
 * back to their {@code <0xXX>} tokens): GPT-2's byte-level BPE and Llama 2's SentencePiece-style BPE.
 */
class HfTokenizerTest {
    /** GPT-2 style: byte-level pre-tokenizer (a leading space becomes Ġ), merges over bytes, one special token. */
    static final String BYTE_LEVEL = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [{"id": 0, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false,
                               "normalized": false, "special": true}],
             "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "post_processor": null,
             "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                       "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                       "vocab": {"<|endoftext|>": 0, "h": 1, "e": 2, "l": 3, "o": 4, "Ġ": 5, "w": 6, "r": 7, "d": 8,
                                 "he": 9, "ll": 10, "hell": 11, "hello": 12, "Ġw": 13, "or": 14, "Ġwor": 15},
                       "merges": ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or"]}}
            """;

    /** Llama 2 style: ▁ for spaces and at the start, byte fallback for what the vocabulary lacks, BOS on request. */
    static final String SENTENCE_PIECE = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [
               {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
               {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
               {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
             "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                                {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
             "pre_tokenizer": null,
             "post_processor": {"type": "TemplateProcessing",
                                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                                "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                                "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
             "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                                          {"type": "ByteFallback"}, {"type": "Fuse"},
                                                          {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
             "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                       "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": true,
                       "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0xC3>": 3, "<0xA9>": 4, "▁": 5, "h": 6, "i": 7,
                                 "▁h": 8, "▁hi": 9},
                       "merges": ["▁ h", "▁h i"]}}
            """;

    @TempDir
    Path temp;

    private HfTokenizer tokenizer(String json) throws Exception {
        Path folder = Files.createDirectories(temp.resolve("model" + json.hashCode()));
        Files.writeString(folder.resolve(HfTokenizer.FILE), json);
        return HfTokenizer.load(folder);
    }

    @Test
    void byteLevelBpeMergesLowestRankFirst() throws Exception {
        try (HfTokenizer gpt2 = tokenizer(BYTE_LEVEL)) {
            // "hello": h e l l o -> he l l o -> he ll o -> hell o -> hello; " world": Ġ w o r l d -> Ġw o r l d -> Ġw or l d -> Ġwor l d
            assertEquals(List.of("hello", "Ġwor", "l", "d"), gpt2.tokens("hello world", false));
            assertArrayEquals(new long[] {12, 15, 3, 8}, gpt2.encode("hello world", false));
            assertArrayEquals(new long[] {12, 0}, gpt2.encode("hello<|endoftext|>", false), "special tokens are matched whole");
            assertEquals("hello world", gpt2.decode(new long[] {12, 15, 3, 8}, true));
        }
    }

    @Test
    void sentencePieceBpeFallsBackToBytesAndAddsTheBosToken() throws Exception {
        try (HfTokenizer llama2 = tokenizer(SENTENCE_PIECE)) {
            // "hi é" -> "▁hi▁é": ▁ h i ▁ é -> ▁h i ▁ é -> ▁hi ▁ é; é is not in the vocabulary: its UTF-8 bytes C3 A9
            assertEquals(List.of("▁hi", "▁", "<0xC3>", "<0xA9>"), llama2.tokens("hi é", false));
            assertArrayEquals(new long[] {9, 5, 3, 4}, llama2.encode("hi é", false));
            assertArrayEquals(new long[] {1, 9, 5, 3, 4}, llama2.encode("hi é", true));
            assertEquals("hi é", llama2.decode(new long[] {1, 9, 5, 3, 4}, true));
        }
    }

    /**
     * A Llama-family tokenizer config decides BOS and EOS as transformers' LlamaTokenizerFast does on load: here it
     * asks for EOS too, so a single text is BOS A EOS and a pair BOS A EOS BOS B EOS, whatever tokenizer.json's template.
     */
    @Test
    void aLlamaTokenizerConfigSetsTheSpecialTokens() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("llama-config"));
        Files.writeString(folder.resolve(HfTokenizer.FILE), SENTENCE_PIECE);
        Files.writeString(folder.resolve("tokenizer_config.json"), """
                {"tokenizer_class": "LlamaTokenizer", "add_bos_token": true, "add_eos_token": true,
                 "bos_token": {"__type": "AddedToken", "content": "<s>"}, "eos_token": "</s>"}""");
        try (HfTokenizer llama = HfTokenizer.load(folder)) {
            assertArrayEquals(new long[] {1, 9, 5, 3, 4, 2}, llama.encode("hi é", true));
            assertArrayEquals(new long[] {9, 5, 3, 4}, llama.encode("hi é", false));
            assertArrayEquals(new long[] {1, 9, 2, 1, 8, 2}, llama.encodePair("hi", "h", true));
        }
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizerFast\", \"add_bos_token\": false}");
        try (HfTokenizer noBos = HfTokenizer.load(folder)) {
            assertArrayEquals(new long[] {9, 5, 3, 4}, noBos.encode("hi é", true));
        }
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"PreTrainedTokenizerFast\", \"add_eos_token\": true}");
        try (HfTokenizer other = HfTokenizer.load(folder)) {
            assertArrayEquals(new long[] {1, 9, 5, 3, 4}, other.encode("hi é", true), "other classes keep tokenizer.json's template");
        }
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizer\", \"add_eos_token\": true}");
        assertThrows(UserInputException.class, () -> HfTokenizer.load(folder), "no bos_token to add");
    }

    @Test
    void aMissingOrBrokenTokenizerIsBadInput() throws Exception {
        UserInputException missing = assertThrows(UserInputException.class, () -> HfTokenizer.load(temp));
        assertTrue(missing.getMessage().contains("tokenizer.json"), missing.getMessage());
        Path broken = Files.writeString(temp.resolve("broken.json"), "{\"model\": {\"type\": \"Nope\"}}");
        UserInputException unreadable = assertThrows(UserInputException.class, () -> HfTokenizer.load(broken));
        assertTrue(unreadable.getMessage().contains("cannot read tokenizer"), unreadable.getMessage());
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amalgam merge} with a merged vocabulary, end to end on the fixture Llama models: {@code base} (96 tokens)
 * and a copy of {@code code} whose tokenizer has one more added token, {@code <code>} = 96, with a 97th embedding and
 * head row. The union has 97 tokens, padded to 128 rows; the base lacks {@code <code>}, so both models contribute
 * code's row for it; every padding row is the mean of each model's 97 re-indexed rows.
 */
class TokenizerMergeCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> EMBEDDINGS = List.of("model.embed_tokens.weight", "lm_head.weight");
    private static final int HIDDEN = 48;

    @TempDir
    Path temp;
    private Path base;
    private Path code;
    private Path out;

    @BeforeEach
    void models() throws IOException {
        Path llama = Fixtures.mergeTiny().resolve("llama");
        base = TestCheckpoints.copy(llama.resolve("base"), temp.resolve("base"), edit -> { });
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(llama.resolve("base").resolve(file), base.resolve(file));
        }
        code = TestCheckpoints.copy(llama.resolve("code"), temp.resolve("code"), edit -> {
            for (String name : EMBEDDINGS) {
                float[] stored = edit.tensors().get(name).toFloatArray();
                float[] grown = Arrays.copyOf(stored, stored.length + HIDDEN);
                for (int c = 0; c < HIDDEN; c++) {
                    grown[stored.length + c] = 0.25f + c / 64f;
                }
                edit.tensors().put(name, Tensor.ofFloats(grown, stored.length / HIDDEN + 1, HIDDEN));
            }
        });
        ObjectNode config = (ObjectNode) JSON.readTree(code.resolve("config.json").toFile());
        config.put("vocab_size", 97);
        Files.writeString(code.resolve("config.json"), config.toString());
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(llama.resolve("code/tokenizer.json").toFile());
        ((ArrayNode) tokenizer.get("added_tokens")).addObject()
                .put("id", 96).put("content", "<code>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true);
        Files.writeString(code.resolve("tokenizer.json"), tokenizer.toString());
        Files.copy(llama.resolve("code/tokenizer_config.json"), code.resolve("tokenizer_config.json"));
        out = temp.resolve("results").resolve("merged");
    }

    private Path config(String tokenizerSection) throws IOException {
        return Files.writeString(temp.resolve("config.yml"), """
                merge_method: linear
                base_model: %s
                models:
                  - {model: %s, parameters: {weight: 0.5}}
                  - {model: %s, parameters: {weight: 0.5}}
                """.formatted(base, base, code) + tokenizerSection);
    }

    @Test
    void unionWithPaddingWritesReindexedEmbeddingsTokenizerAndVocabSize() throws IOException {
        CliRunner result = CliRunner.run("merge", config("tokenizer: {source: union, pad_to_multiple_of: 64}\n").toString(),
                out.toString());
        assertEquals(0, result.exitCode(), result.err());

        Map<String, float[]> merged = TestCheckpoints.floats(out);
        Map<String, float[]> baseTensors = TestCheckpoints.floats(base);
        Map<String, float[]> codeTensors = TestCheckpoints.floats(code);
        for (String name : EMBEDDINGS) {
            float[] b = baseTensors.get(name);
            float[] c = codeTensors.get(name);
            float[] got = merged.get(name);
            assertEquals(128 * HIDDEN, got.length, name);
            double[] meanBase = new double[HIDDEN];
            double[] meanCode = new double[HIDDEN];
            for (int r = 0; r < 97; r++) {
                for (int k = 0; k < HIDDEN; k++) {
                    // the base lacks <code> (row 96): it takes code's row, the only one there is
                    double fromBase = r < 96 ? b[r * HIDDEN + k] : c[r * HIDDEN + k];
                    double fromCode = c[r * HIDDEN + k];
                    assertClose(0.5 * fromBase + 0.5 * fromCode, got[r * HIDDEN + k], name + "[" + r + ", " + k + "]");
                    meanBase[k] += fromBase / 97;
                    meanCode[k] += fromCode / 97;
                }
            }
            for (int r = 97; r < 128; r++) {
                for (int k = 0; k < HIDDEN; k++) {
                    assertClose(0.5 * meanBase[k] + 0.5 * meanCode[k], got[r * HIDDEN + k], name + " padding row " + r);
                }
            }
        }
        String layer = "model.layers.1.mlp.up_proj.weight";
        for (int i = 0; i < merged.get(layer).length; i++) {
            assertClose(0.5 * baseTensors.get(layer)[i] + 0.5 * codeTensors.get(layer)[i], merged.get(layer)[i], layer);
        }

        assertEquals(128, JSON.readTree(out.resolve("config.json").toFile()).path("vocab_size").asInt());
        JsonNode tokenizer = JSON.readTree(out.resolve("tokenizer.json").toFile());
        assertEquals(96, tokenizer.path("model").path("vocab").size());
        JsonNode last = tokenizer.path("added_tokens").get(tokenizer.path("added_tokens").size() - 1);
        assertEquals("<code>", last.path("content").asText());
        assertEquals(96, last.path("id").asInt());
        JsonNode tokenizerConfig = JSON.readTree(out.resolve("tokenizer_config.json").toFile());
        assertEquals("<code>", tokenizerConfig.path("added_tokens_decoder").path("96").path("content").asText());
        assertEquals("</s>", JSON.readTree(out.resolve("special_tokens_map.json").toFile()).path("eos_token").asText());
    }

    @Test
    void bothTokenizerKeysAreAUserError() throws IOException {
        CliRunner result = CliRunner.run("merge", config("tokenizer_source: base\ntokenizer: {source: union}\n").toString(),
                out.toString());
        assertEquals(Main.EXIT_USER, result.exitCode(), result.err());
        assertTrue(result.err().contains("mutually exclusive"), result.err());
        assertEquals(List.of(), TestCheckpoints.leftovers(out));
    }

    @Test
    void aSentencePieceOnlyTokenizerIsRefused() throws IOException {
        Files.delete(code.resolve("tokenizer.json"));
        Files.write(code.resolve("tokenizer.model"), new byte[] {10, 5, '<', 'u', 'n', 'k', '>'});
        CliRunner result = CliRunner.run("merge", config("tokenizer_source: union\n").toString(), out.toString());
        assertEquals(Main.EXIT_USER, result.exitCode(), result.err());
        assertTrue(result.err().contains("SentencePiece") && result.err().contains("'" + code + "'"), result.err());
        assertFalse(result.err().contains("Exception"), "no stack trace: " + result.err());
        assertEquals(List.of(), TestCheckpoints.leftovers(out));
    }

    private static void assertClose(double expected, float actual, String what) {
        // a few float32 roundings of values of magnitude ~1 against double arithmetic
        assertEquals(expected, actual, 1e-6 * Math.max(1, Math.abs(expected)), what);
    }
}

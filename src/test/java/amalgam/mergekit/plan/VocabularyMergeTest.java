package amalgam.mergekit.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.merge.InMemoryModelSource;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.mergekit.TestTokenizers;
import amalgam.mergekit.TestTokenizers.Added;
import amalgam.mergekit.config.ConfigParser;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merged vocabularies through the planner (spec 1.7), on three one-layer Llama models with hidden size 2:
 * <ul>
 *   <li>B, the base (config vocab_size 4, 5 embedding rows): {@code <s> a b c <pad>}, {@code <pad>} past vocab_size;</li>
 *   <li>X (vocab_size 5): {@code <s> a d b}, added {@code <x>} = 4;</li>
 *   <li>Y (vocab_size 4, 4 rows): {@code <s> e a}, added {@code <x>} = 3.</li>
 * </ul>
 * Stored embedding row {@code r} is {@code [r + 1, 10·(r + 1)]} in every model and the LM head is its negation. The
 * merges are linear with weights B 1, X 10, Y 100 and no normalisation, so each decimal digit of an output row shows
 * what one model contributed: e.g. union token {@code b} = B's row 2 (3) + 10·X's row 3 (4) + 100·B's row 2 for Y,
 * which lacks it and takes the base's row (3) = 343.
 */
class VocabularyMergeTest {
    private static final String EMBED = "model.embed_tokens.weight";
    private static final String HEAD = "lm_head.weight";
    private static final String MODELS = """
            merge_method: linear
            base_model: B
            models:
              - {model: B, parameters: {weight: 1}}
              - {model: X, parameters: {weight: 10}}
              - {model: Y, parameters: {weight: 100}}
            parameters: {normalize: false}
            """;

    @TempDir
    Path root;
    private final Map<Path, ModelSource> sources = new HashMap<>();

    @BeforeEach
    void models() {
        model("B", 4, 5, TestTokenizers.json("BPE", List.of("<s>", "a", "b", "c", "<pad>"), List.of("a b", "b <pad>"),
                List.of(new Added(0, "<s>", true), new Added(4, "<pad>", true))));
        model("X", 5, 5, TestTokenizers.json("BPE", List.of("<s>", "a", "d", "b"), List.of(),
                List.of(new Added(0, "<s>", true), new Added(4, "<x>", true))));
        model("Y", 4, 4, TestTokenizers.json("WordLevel", List.of("<s>", "e", "a"), List.of(),
                List.of(new Added(0, "<s>", true), new Added(3, "<x>", false))));
    }

    private void model(String name, int vocabSize, int rows, String tokenizer) {
        Path directory = root.resolve(name);
        TestTokenizers.write(directory, tokenizer);
        try {
            Files.writeString(directory.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], "
                    + "\"num_hidden_layers\": 1, \"vocab_size\": " + vocabSize + ", \"torch_dtype\": \"float32\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        float[] embed = new float[rows * 2];
        float[] head = new float[rows * 2];
        for (int r = 0; r < rows; r++) {
            embed[2 * r] = r + 1;
            embed[2 * r + 1] = 10 * (r + 1);
            head[2 * r] = -(r + 1);
            head[2 * r + 1] = -10 * (r + 1);
        }
        Map<String, Tensor> tensors = new HashMap<>();
        tensors.put(EMBED, Tensor.ofFloats(embed, rows, 2));
        tensors.put(HEAD, Tensor.ofFloats(head, rows, 2));
        tensors.put("model.norm.weight", TinyLlama.filled(1, 2));
        for (String weight : TinyLlama.LAYER_WEIGHTS) {
            tensors.put("model.layers.0." + weight, weight.contains("norm") ? TinyLlama.filled(1, 2) : TinyLlama.filled(1, 2, 2));
        }
        sources.put(directory, new InMemoryModelSource(name, tensors));
    }

    private MergekitPlan plan(String yaml) {
        return MergekitPlan.build(ConfigParser.parse(yaml), 0, root::resolve, path -> {
            ModelSource source = sources.get(path);
            if (source == null) {
                throw new IllegalArgumentException("no model at " + path);
            }
            return source;
        });
    }

    private static float[] firstColumn(MergekitPlan plan, String tensor) {
        TensorJob job = plan.jobs().stream().filter(j -> j.outputName().equals(tensor)).findFirst().orElseThrow();
        float[] values = ((MergeTensorJob) job).mergeValues().values();
        float[] column = new float[values.length / 2];
        for (int r = 0; r < column.length; r++) {
            column[r] = values[2 * r];
            assertEquals(10 * values[2 * r], values[2 * r + 1], 1e-3, tensor + " row " + r);
        }
        assertEquals(Shape.of(column.length, 2), job.outputShape());
        return column;
    }

    private static JsonNode json(MergekitPlan plan, String file) throws IOException {
        return new ObjectMapper().readTree(plan.tokenizerFiles().get(file));
    }

    @Test
    void unionReindexesEveryEmbeddingLikeTensor() throws IOException {
        MergekitPlan plan = plan(MODELS + "tokenizer_source: union\n");
        //                           <s>  a    b    c    d    e    <x>
        float[] expected = {111, 322, 343, 444, 333, 222, 454.5f};
        assertArrayEquals(expected, firstColumn(plan, EMBED));
        float[] head = firstColumn(plan, HEAD);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(-expected[i], head[i], "lm_head row " + i);
        }
        assertEquals(7, plan.configUpdates().get("vocab_size"));

        JsonNode tokenizer = json(plan, "tokenizer.json");
        assertEquals("{\"<s>\":0,\"a\":1,\"b\":2,\"c\":3}", tokenizer.path("model").path("vocab").toString());
        assertEquals("[\"a b\"]", tokenizer.path("model").path("merges").toString(), "merges naming <pad> are stripped");
        StringBuilder added = new StringBuilder();
        tokenizer.path("added_tokens").forEach(token -> added.append(token.path("content").asText()).append('=')
                .append(token.path("id").asInt()).append(token.path("special").asBoolean() ? "s " : " "));
        assertEquals("<s>=0s d=4 e=5 <x>=6s ", added.toString());
        JsonNode config = json(plan, "tokenizer_config.json");
        assertEquals("PreTrainedTokenizerFast", config.path("tokenizer_class").asText(), "the donor's config is kept");
        assertEquals(List.of("0", "4", "5", "6"), List.copyOf(iterable(config.path("added_tokens_decoder").fieldNames())));
        assertEquals("d", config.path("added_tokens_decoder").path("4").path("content").asText());
        assertEquals("{\"bos_token\":\"<s>\"}", json(plan, "special_tokens_map.json").toString());
    }

    private static <T> List<T> iterable(Iterator<T> iterator) {
        List<T> list = new ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }

    @Test
    void paddingRowsAreEachModelsMeanRow() {
        MergekitPlan plan = plan(MODELS + "tokenizer: {pad_to_multiple_of: 4}\n");
        // means of the 7 re-indexed rows: B 19.5/7, X 21/7, Y 20/7 -> 19.5/7 + 10·3 + 100·20/7 = 318.5
        float[] column = firstColumn(plan, EMBED);
        assertEquals(8, column.length);
        assertEquals(318.5, column[7], 1e-4);
        assertEquals(454.5f, column[6]);
        assertEquals(8, plan.configUpdates().get("vocab_size"));
    }

    @Test
    void baseIsTheStrippedBaseVocabulary() throws IOException {
        MergekitPlan plan = plan(MODELS + "tokenizer_source: base\n");
        assertArrayEquals(new float[] {111, 322, 343, 444}, firstColumn(plan, EMBED));
        assertEquals(4, plan.configUpdates().get("vocab_size"));
        assertEquals(1, json(plan, "tokenizer.json").path("added_tokens").size());
    }

    @Test
    void aModelSourceUsesThatModelsTokenizer() throws IOException {
        MergekitPlan plan = plan(MODELS + "tokenizer: {source: X}\n");
        //                      <s>  a    d    b    <x>
        assertArrayEquals(new float[] {111, 322, 333, 343, 454.5f}, firstColumn(plan, EMBED));
        assertEquals(5, plan.configUpdates().get("vocab_size"));
        assertEquals("{\"<s>\":0,\"a\":1,\"d\":2,\"b\":3}", json(plan, "tokenizer.json").path("model").path("vocab").toString());
    }

    @Test
    void tokenSettings() {
        MergekitPlan plan = plan(MODELS + """
                tokenizer:
                  tokens:
                    a: {source: {kind: zero}}
                    b: {force: true}
                    "<s>": {source: {kind: model_token, model: X, token_id: 4}, force: true}
                    "<new>": {source: {kind: model_token, model: Y, token: e}}
                """);
        // a: every model has it, so zero is never used; b forced to the base's row (3); <s> forced to X's row 4 (5);
        // <new> (appended, no model has it) takes Y's row for e (2)
        assertArrayEquals(new float[] {555, 322, 333, 444, 333, 222, 454.5f, 222}, firstColumn(plan, EMBED));
    }

    @Test
    void taskArithmeticSeesEquallyShapedEmbeddings() {
        MergekitPlan plan = plan("""
                merge_method: task_arithmetic
                base_model: B
                models: [{model: X, parameters: {weight: 1}}]
                tokenizer_source: union
                """);
        // Y is not merged, so the union is <s> a b c d <x>; B' + (X' - B') = X': X's own rows, B's row for c
        assertArrayEquals(new float[] {1, 2, 4, 4, 3, 5}, firstColumn(plan, EMBED));
    }

    @Test
    void badTokenizerInputsAreUserErrors() throws IOException {
        assertPlanError(MODELS + "tokenizer: {tokens: {c: {source: Y}}}\n", "tokenizer.tokens.c.source", "not found in model 'Y'");
        assertPlanError(MODELS + "tokenizer: {tokens: {c: {source: Z}}}\n", "model 'Z' is not part of the merge");
        assertPlanError(MODELS + "tokenizer: {pad_to_multiple_of: 1073741824}\n", "pad_to_multiple_of");
        assertPlanError(MODELS + "tokenizer_source: nowhere\n", "nowhere");

        Files.writeString(root.resolve("Y").resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], "
                + "\"num_hidden_layers\": 1, \"vocab_size\": -3}");
        assertPlanError(MODELS + "tokenizer_source: union\n", "config.json", "vocab_size");

        Files.writeString(root.resolve("X").resolve("tokenizer.json"), "{\"model\": ");
        assertPlanError(MODELS + "tokenizer_source: base\n", "X", "tokenizer.json", "not valid JSON");

        Files.delete(root.resolve("X").resolve("tokenizer.json"));
        assertPlanError(MODELS + "tokenizer_source: base\n", "model 'X' has no tokenizer.json");

        Files.write(root.resolve("X").resolve("tokenizer.model"), new byte[] {10, 3, 'a', 'b', 'c'});
        assertPlanError(MODELS + "tokenizer_source: base\n", "SentencePiece");
    }

    private void assertPlanError(String yaml, String... expected) {
        UserInputException error = assertThrows(UserInputException.class, () -> plan(yaml));
        for (String part : expected) {
            assertTrue(error.getMessage().contains(part), error.getMessage());
        }
    }
}

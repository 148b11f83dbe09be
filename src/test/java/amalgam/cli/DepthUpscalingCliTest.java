package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FusionBench's {@code depth_upscaling}: the new layer list is copies of the source layers in the order
 * {@code layer_indices} gives (integers and range(...) strings), renamed to their new positions; everything else and
 * the tokenizer are kept, config.json's layer count follows; bad entries are refused before anything is written.
 */
class DepthUpscalingCliTest {
    private static final String LAYERS = "model.layers.";
    private static final String VISION_LAYERS = "vision_model.encoder.layers.";

    @TempDir
    Path temp;

    @Test
    void aCausalLmGetsItsLayersInTheGivenOrder() throws IOException {
        Path model = TinyDecoders.llama(temp.resolve("llama"), 3, 1);
        Path out = temp.resolve("out");
        CliRunner result = run(pool(model), out, "method.layer_indices=[0,1,\"range(0,2)\",1]");
        assertEquals(0, result.exitCode(), result.err());

        Map<String, float[]> source = TestCheckpoints.floats(model);
        Map<String, float[]> upscaled = TestCheckpoints.floats(out);
        List<Integer> order = List.of(0, 1, 0, 1, 1);
        Set<String> expected = new TreeSet<>();
        source.forEach((name, values) -> {
            if (!name.startsWith(LAYERS)) {
                expected.add(name);
                assertArrayEquals(values, upscaled.get(name), name + " is kept");
            }
        });
        for (int position = 0; position < order.size(); position++) {
            for (String relative : relativeNames(source, LAYERS, 0)) {
                String name = LAYERS + position + "." + relative;
                expected.add(name);
                assertArrayEquals(source.get(LAYERS + order.get(position) + "." + relative), upscaled.get(name), name);
            }
        }
        assertEquals(expected, upscaled.keySet(), "exactly the kept tensors and the five new layers");

        JsonNode config = json(out.resolve("config.json"));
        assertEquals(5, config.get("num_hidden_layers").asInt());
        assertEquals("LlamaForCausalLM", config.get("architectures").get(0).asText(), "the rest of the config is kept");
        assertEquals(TinyDecoders.TOKENIZER_CONFIG, Files.readString(out.resolve("tokenizer_config.json")), "tokenizer copied");
    }

    @Test
    void negativeIndicesCountFromTheEndAsInPython() {
        Path model = TinyDecoders.llama(temp.resolve("llama"), 3, 2);
        Path out = temp.resolve("out");
        assertEquals(0, run(pool(model), out, "method.layer_indices=[-1,\"range(2, -1, -1)\"]").exitCode());
        Map<String, float[]> source = TestCheckpoints.floats(model);
        Map<String, float[]> upscaled = TestCheckpoints.floats(out);
        int[] order = {2, 2, 1, 0};
        for (int position = 0; position < order.length; position++) {
            String relative = "mlp.down_proj.weight";
            assertArrayEquals(source.get(LAYERS + order[position] + "." + relative), upscaled.get(LAYERS + position + "." + relative));
        }
    }

    @Test
    void aClipVisionTowerGetsItsLayersAndItsConfigsLayerCount() throws IOException {
        Path clip = Fixtures.clipTiny();
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "_target_: fusion_bench.modelpool.CLIPVisionModelPool\nmodels:\n"
                + "  _pretrained_: " + clip + "\n");
        Path out = temp.resolve("tower");
        CliRunner result = run(pool, out, "method.layer_indices=[1,\"range(2)\"]");
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> source = TestCheckpoints.floats(clip);
        Map<String, float[]> upscaled = TestCheckpoints.floats(out);
        int[] order = {1, 0, 1};
        for (int position = 0; position < order.length; position++) {
            for (String relative : relativeNames(source, VISION_LAYERS, 0)) {
                assertArrayEquals(source.get(VISION_LAYERS + order[position] + "." + relative),
                        upscaled.get(VISION_LAYERS + position + "." + relative), relative);
            }
        }
        assertArrayEquals(source.get("vision_model.post_layernorm.weight"), upscaled.get("vision_model.post_layernorm.weight"));
        assertTrue(upscaled.keySet().stream().allMatch(name -> name.startsWith("vision_model.")), "a vision tower only");
        JsonNode config = json(out.resolve("config.json"));
        assertEquals(3, config.get("num_hidden_layers").asInt());
        assertEquals("clip_vision_model", config.get("model_type").asText());

        // a whole CLIPModel keeps its text tower, and the vision tower's count lives in vision_config
        Path whole = Files.writeString(temp.resolve("whole.yaml"), "models:\n  _pretrained_: " + clip + "\n");
        Path wholeOut = temp.resolve("whole");
        assertEquals(0, run(whole, wholeOut, "method.layer_indices=[0,0,1]").exitCode());
        JsonNode wholeConfig = json(wholeOut.resolve("config.json"));
        assertEquals(3, wholeConfig.get("vision_config").get("num_hidden_layers").asInt());
        assertEquals(json(clip.resolve("config.json")).get("text_config"), wholeConfig.get("text_config"));
        Map<String, float[]> wholeWeights = TestCheckpoints.floats(wholeOut);
        source.forEach((name, values) -> {
            if (name.startsWith("text_model.")) {
                assertArrayEquals(values, wholeWeights.get(name), name);
            }
        });
    }

    @Test
    void everyLayerOnceInOrderIsTheModelItself() throws IOException {
        Path model = TinyDecoders.llama(temp.resolve("llama"), 3, 3);
        Path out = temp.resolve("out");
        assertEquals(0, run(pool(model), out, "method.layer_indices=[\"range(3)\"]").exitCode());
        assertEquals(TestCheckpoints.floats(model).keySet(), TestCheckpoints.floats(out).keySet());
        TestCheckpoints.floats(model).forEach((name, values) -> assertArrayEquals(values, TestCheckpoints.floats(out).get(name), name));
        assertEquals(json(model.resolve("config.json")), json(out.resolve("config.json")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "method.layer_indices=null",
        "method.layer_indices=[0,3]",
        "method.layer_indices=[-4]",
        "method.layer_indices=[\"range(0,4)\"]",
        "method.layer_indices=[\"range(0,2,0)\"]",
        "method.layer_indices=[\"range(0,2)+[1]\"]",
        "method.layer_indices=[\"list(range(2))\"]",
        "method.layer_indices=[\"__import__('os').system('touch pwned')\"]",
        "method.layer_indices=[\"[0, 1]\"]",
        "method.layer_indices=[\"range(0x1)\"]",
        "method.layer_indices=[\"range(1,2,3,4)\"]",
        "method.layer_indices=[true]",
        "method.layer_indices=[1.0]",
        "method.layer_indices=[]",
        "method.layer_indices=[\"range(2,0)\"]"})
    void badEntriesAreRefusedNamingThem(String setting) {
        Path model = TinyDecoders.llama(temp.resolve("llama"), 3, 4);
        Path out = temp.resolve("out");
        CliRunner result = run(pool(model), out, setting);
        assertEquals(2, result.exitCode(), setting + "\n" + result.err());
        assertTrue(result.err().contains("layer_indices"), result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace:\n" + result.err());
        assertFalse(Files.exists(out), "nothing written");
        assertFalse(Files.exists(Path.of("pwned")), "nothing evaluated");
    }

    @Test
    void otherPoolsAndArchitecturesAreRefused() throws IOException {
        Path first = TinyDecoders.llama(temp.resolve("a"), 2, 5);
        Path second = TinyDecoders.llama(temp.resolve("b"), 2, 6);
        Path two = Files.writeString(temp.resolve("two.yaml"), "models:\n  _pretrained_: " + first + "\n  task: " + second + "\n");
        assertRefused(run(two, temp.resolve("o1"), "method.layer_indices=[0]"), "exactly one model");

        Path gemma = TinyDecoders.write(temp.resolve("gemma"), "gemma", 2, 7, Map.of());
        assertRefused(run(pool(gemma), temp.resolve("o2"), "method.layer_indices=[0]"), "model_type 'gemma'");

        Path gpt2 = temp.resolve("gpt2");
        amalgam.model.clip.ClipCheckpoints.save(gpt2, Map.of("h.0.attn.c_attn.weight", amalgam.tensor.Tensor.ofFloats(new float[4], 2, 2)),
                "{\"model_type\": \"gpt2\"}", amalgam.io.SafetensorsWriter.PT_FORMAT);
        assertRefused(run(pool(gpt2), temp.resolve("o3"), "method.layer_indices=[0]"), "has neither");
    }

    @Test
    void outputsDoNotDependOnTheThreadCount() throws IOException {
        Path model = TinyDecoders.llama(temp.resolve("llama"), 4, 8);
        Path pool = pool(model);
        Path out = temp.resolve("out");
        String layers = "method.layer_indices=[\"range(0,3)\",\"range(1,4)\"]";
        assertEquals(0, run(pool, out, "--threads", "1", layers).exitCode());
        Path first = OutputFiles.copy(out, temp.resolve("first"));
        assertEquals(0, run(pool, out, "--threads", "2", layers).exitCode());
        OutputFiles.assertIdentical(first, out);
    }

    private void assertRefused(CliRunner result, String fragment) {
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains(fragment), "stderr names " + fragment + ":\n" + result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace:\n" + result.err());
    }

    private Path pool(Path model) {
        try {
            return Files.writeString(Files.createTempFile(temp, "pool", ".yaml"), "models:\n  _pretrained_: " + model + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static CliRunner run(Path pool, Path out, String... settings) {
        List<String> arguments = new ArrayList<>(List.of("run"));
        List<String> rest = new ArrayList<>(List.of(settings));
        if (rest.getFirst().equals("--threads")) {
            arguments.addAll(rest.subList(0, 2));
            rest = rest.subList(2, rest.size());
        }
        arguments.addAll(List.of("method=depth_upscaling", "modelpool=" + pool, "taskpool=dummy", "merged_model_save_path=" + out));
        arguments.addAll(rest);
        return CliRunner.run(arguments.toArray(String[]::new));
    }

    /** The tensor names of layer {@code layer}, relative to it. */
    private static List<String> relativeNames(Map<String, float[]> tensors, String prefix, int layer) {
        String start = prefix + layer + ".";
        return tensors.keySet().stream().filter(name -> name.startsWith(start)).map(name -> name.substring(start.length())).toList();
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }
}

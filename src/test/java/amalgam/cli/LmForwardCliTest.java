package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.TensorInfo;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code amalgam debug lm-forward} against the lm-tiny fixtures (expected outputs from the pure-torch reference
 * {@code lm-tiny/generate.py}, which follows transformers' float32 eager forward). Tolerance as the contract states:
 * |out − exp| ≤ 1e-4 + 1e-4·|exp| at every position, padded ones included; a float32 implementation lands at about
 * 1e-6 (summation orders differ), so a wrong mask, position or scaling is far outside it.
 */
class LmForwardCliTest {
    @TempDir
    Path temp;

    private static Path fixture(String name) {
        return Fixtures.path("lm-tiny/" + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "llama-options", "llama-linear-f16-sharded", "mistral-window", "qwen2-tied",
            "qwen2-window", "gpt2-lm", "gpt2-classify"})
    void matchesTheReference(String name) {
        Path model = fixture(name);
        Path out = temp.resolve("out.safetensors");
        CliRunner result = CliRunner.run("debug", "lm-forward", model.toString(), model.resolve("inputs.safetensors").toString(),
                out.toString(), "--threads", "2");
        assertEquals(0, result.exitCode(), result.err());
        DebugCommandsTest.assertMatches(model.resolve("expected.safetensors"), out);
        try (Checkpoint written = Checkpoint.open(out)) {
            assertEquals(2, written.tensors().size());
            for (TensorInfo info : written.tensors()) {
                assertEquals(DType.F32, info.dtype(), info.name());
            }
        }
    }

    @Test
    void badInputsAreExitTwoNamingTheProblem() throws IOException {
        Path model = fixture("llama-gqa");
        long[] ids = {1, 2, 3, 4, 5, 6};
        long[] mask = {1, 1, 1, 0, 1, 1};
        assertFails(model, inputs(Map.of("input_ids", i64(ids, 2, 3))), "attention_mask");
        try (Arena arena = Arena.ofConfined()) {
            Tensor floats = Tensor.allocate(arena, DType.F32, Shape.of(2, 3));
            assertFails(model, inputs(Map.of("input_ids", floats, "attention_mask", i64(mask, 2, 3))), "I64");
        }
        assertFails(model, inputs(Map.of("input_ids", i64(new long[] {1, 2, 64, 4, 5, 6}, 2, 3), "attention_mask", i64(mask, 2, 3))),
                "vocabulary of 64");
        assertFails(model, inputs(Map.of("input_ids", i64(new long[] {1, 2, -1, 4, 5, 6}, 2, 3), "attention_mask", i64(mask, 2, 3))),
                "id -1");
        assertFails(model, inputs(Map.of("input_ids", i64(ids, 2, 3), "attention_mask", i64(new long[] {1, 1, 2, 0, 1, 1}, 2, 3))),
                "0 (padding) or 1");
        assertFails(model, inputs(Map.of("input_ids", i64(ids, 2, 3), "attention_mask", i64(mask, 3, 2))), "differ in shape");
        assertFails(model, inputs(Map.of("input_ids", i64(ids, 6), "attention_mask", i64(mask, 6))), "[B, L]");
        Path gpt2 = fixture("gpt2-lm");
        long[] long17 = new long[17];
        java.util.Arrays.fill(long17, 1);
        assertFails(gpt2, inputs(Map.of("input_ids", i64(long17, 1, 17), "attention_mask", i64(long17, 1, 17))), "at most 16");
    }

    @Test
    void unsupportedConfigsAndMissingWeightsAreExitTwo() throws IOException {
        Path source = fixture("llama-gqa");
        String config = Files.readString(source.resolve("config.json"));
        assertFailsWithConfig(config.replace("LlamaForCausalLM", "BertForMaskedLM"), "BertForMaskedLM");
        assertFailsWithConfig(config.replace("\"rope_theta\": 10000.0", "\"rope_theta\": 10000.0, \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 2.0}"),
                "rope type 'yarn'");
        assertFailsWithConfig(config.replace("\"rope_theta\": 10000.0", "\"rope_theta\": 10000.0, \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 2.0}"),
                "low_freq_factor");
        assertFailsWithConfig(config.replace("\"silu\"", "\"gelu_10\""), "hidden_act");
        assertFailsWithConfig(config.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"), "num_key_value_heads");
        assertFailsWithConfig(config.replace("\"intermediate_size\": 48", "\"intermediate_size\": 40"), "mlp.gate_proj.weight");
        assertFailsWithConfig(config.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"), "model.layers.2.");
    }

    @Test
    void refusesToOverwriteAnInput() throws IOException {
        Path model = fixture("llama-gqa");
        Path inputs = temp.resolve("inputs.safetensors");
        Files.copy(model.resolve("inputs.safetensors"), inputs);
        // an output of a previous run used as the inputs carries amalgam's mark; it must still not be overwritten
        Path marked = temp.resolve("marked.safetensors");
        assertEquals(0, CliRunner.run("debug", "lm-forward", model.toString(), inputs.toString(), marked.toString()).exitCode());
        byte[] before = Files.readAllBytes(marked);
        CliRunner result = CliRunner.run("debug", "lm-forward", model.toString(), marked.toString(), marked.toString());
        assertEquals(2, result.exitCode(), result.err());
        assertArrayEquals(before, Files.readAllBytes(marked));
    }

    private void assertFailsWithConfig(String config, String expected) throws IOException {
        Path model = Files.createDirectories(temp.resolve("model-" + Math.abs(config.hashCode())));
        Files.copy(fixture("llama-gqa").resolve("model.safetensors"), model.resolve("model.safetensors"));
        Files.writeString(model.resolve("config.json"), config);
        assertFails(model, fixture("llama-gqa").resolve("inputs.safetensors"), expected);
    }

    private void assertFails(Path model, Path inputs, String expected) {
        Path out = temp.resolve("never.safetensors");
        CliRunner result = CliRunner.run("debug", "lm-forward", model.toString(), inputs.toString(), out.toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains(expected), result.err());
        assertFalse(result.err().contains("\tat "), result.err());
        assertFalse(Files.exists(out));
    }

    private Path inputs(Map<String, Tensor> tensors) {
        Path file = temp.resolve("inputs-" + System.nanoTime() + ".safetensors");
        TestCheckpoints.write(file, new LinkedHashMap<>(tensors));
        return file;
    }

    private static Tensor i64(long[] values, long... dims) {
        Tensor tensor = Tensor.allocate(Arena.ofAuto(), DType.I64, Shape.of(dims));
        for (int i = 0; i < values.length; i++) {
            tensor.data().setAtIndex(amalgam.tensor.Layouts.I64, i, values[i]);
        }
        return tensor;
    }
}

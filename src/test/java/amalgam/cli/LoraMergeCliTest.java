package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import amalgam.testing.Fixtures;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code MODEL+ADAPTER} references: a PEFT LoRA adapter folded into the fixture Llama base, checked tensor by
 * tensor against W + s·B·A computed here in double precision (linear layers, an embedding, a fan-in-fan-out
 * layer), with PEFT's scale rules (alpha / r, rank and alpha patterns, rsLoRA) and modules_to_save replacing
 * a tensor whole. The merge is a one-model linear merge (weight 1), so the output is the adapted model itself.
 */
class LoraMergeCliTest {
    private static final String PREFIX = "base_model.model.";

    @TempDir
    Path temp;
    private Path base;
    private Map<String, float[]> theta;

    @BeforeEach
    void fixture() {
        base = Fixtures.mergeTiny().resolve("llama/base");
        theta = TestCheckpoints.floats(base);
    }

    @Test
    void adapterIsFoldedInWithPeftsArithmetic() throws IOException {
        Map<String, float[]> factors = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            // q_proj of layer 0: factors stored in BF16 (widened exactly before the product)
            tensors.put(PREFIX + "model.layers.0.self_attn.q_proj.lora_A.weight", bf16(arena, random(2 * 48, 1), 2, 48));
            tensors.put(PREFIX + "model.layers.0.self_attn.q_proj.lora_B.weight", bf16(arena, random(48 * 2, 2), 48, 2));
            // down_proj of layer 1: rank 4 from rank_pattern, alpha 2 from alpha_pattern
            tensors.put(PREFIX + "model.layers.1.mlp.down_proj.lora_A.weight", Tensor.ofFloats(random(4 * 128, 3), 4, 128));
            tensors.put(PREFIX + "model.layers.1.mlp.down_proj.lora_B.weight", Tensor.ofFloats(random(48 * 4, 4), 48, 4));
            // the embedding: A [r, vocab], B [hidden, r], ΔW = s (B A)ᵀ
            tensors.put(PREFIX + "model.embed_tokens.lora_embedding_A", Tensor.ofFloats(random(2 * 96, 5), 2, 96));
            tensors.put(PREFIX + "model.embed_tokens.lora_embedding_B", Tensor.ofFloats(random(48 * 2, 6), 48, 2));
            // modules_to_save: the head is replaced whole
            tensors.put(PREFIX + "lm_head.weight", Tensor.ofFloats(random(96 * 48, 7), 96, 48));
            tensors.forEach((key, tensor) -> factors.put(key, Convert.toF32(tensor, arena).toFloatArray()));
            Path adapter = adapter("adapter", tensors, """
                    {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj", "down_proj", "embed_tokens"],
                     "modules_to_save": ["lm_head"], "rank_pattern": {"down_proj": 4}, "alpha_pattern": {"layers.1.mlp.down_proj": 2}}
                    """);
            Map<String, float[]> merged = merge(adapter);

            Map<String, float[]> expected = new LinkedHashMap<>(theta);
            expected.put("model.layers.0.self_attn.q_proj.weight", plusLowRank(theta.get("model.layers.0.self_attn.q_proj.weight"),
                    factors.get(PREFIX + "model.layers.0.self_attn.q_proj.lora_B.weight"),
                    factors.get(PREFIX + "model.layers.0.self_attn.q_proj.lora_A.weight"), 48, 2, 48, 4.0 / 2, false));
            expected.put("model.layers.1.mlp.down_proj.weight", plusLowRank(theta.get("model.layers.1.mlp.down_proj.weight"),
                    factors.get(PREFIX + "model.layers.1.mlp.down_proj.lora_B.weight"),
                    factors.get(PREFIX + "model.layers.1.mlp.down_proj.lora_A.weight"), 48, 4, 128, 2.0 / 4, false));
            expected.put("model.embed_tokens.weight", plusLowRank(theta.get("model.embed_tokens.weight"),
                    factors.get(PREFIX + "model.embed_tokens.lora_embedding_B"),
                    factors.get(PREFIX + "model.embed_tokens.lora_embedding_A"), 48, 2, 96, 4.0 / 2, true));
            expected.put("lm_head.weight", factors.get(PREFIX + "lm_head.weight"));
            assertClose(expected, merged, Set.of("model.layers.0.self_attn.q_proj.weight",
                    "model.layers.1.mlp.down_proj.weight", "model.embed_tokens.weight", "lm_head.weight"));
        }
    }

    @Test
    void rsLoraAndFanInFanOut() throws IOException {
        float[] a = random(3 * 48, 11);
        float[] b = random(48 * 3, 12);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(PREFIX + "model.layers.2.self_attn.o_proj.lora_A.weight", Tensor.ofFloats(a, 3, 48));
        tensors.put(PREFIX + "model.layers.2.self_attn.o_proj.lora_B.weight", Tensor.ofFloats(b, 48, 3));
        Path adapter = adapter("rslora", tensors,
                "{\"r\": 3, \"lora_alpha\": 6, \"use_rslora\": true, \"fan_in_fan_out\": true}");
        Map<String, float[]> merged = merge(adapter);
        Map<String, float[]> expected = new LinkedHashMap<>(theta);
        expected.put("model.layers.2.self_attn.o_proj.weight",
                plusLowRank(theta.get("model.layers.2.self_attn.o_proj.weight"), b, a, 48, 3, 48, 6 / Math.sqrt(3), true));
        assertClose(expected, merged, Set.of("model.layers.2.self_attn.o_proj.weight"));
    }

    @Test
    void loraMergeDTypeStoresTheAdaptedModelInThatDType() throws IOException {
        float[] a = random(2 * 48, 21);
        float[] b = random(48 * 2, 22);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(PREFIX + "model.layers.0.self_attn.q_proj.lora_A.weight", Tensor.ofFloats(a, 2, 48));
        tensors.put(PREFIX + "model.layers.0.self_attn.q_proj.lora_B.weight", Tensor.ofFloats(b, 48, 2));
        Path adapter = adapter("bf16", tensors, "{\"r\": 2, \"lora_alpha\": 2}");
        Path out = temp.resolve("out-bf16");
        CliRunner result = CliRunner.run("merge", config(adapter).toString(), out.toString(), "--lora-merge-dtype", "bfloat16");
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> merged = TestCheckpoints.floats(out);
        String q = "model.layers.0.self_attn.q_proj.weight";
        float[] exact = plusLowRank(theta.get(q), b, a, 48, 2, 48, 1.0, false);
        for (String name : theta.keySet()) {
            float[] expected = name.equals(q) ? exact : theta.get(name);
            float[] got = merged.get(name);
            for (int i = 0; i < expected.length; i++) {
                // every tensor of the adapted model went through bfloat16 (8 significant bits): within half a unit
                double tolerance = Math.scalb(Math.abs(expected[i]), -8) + 4 * Math.ulp(1f);
                assertTrue(Math.abs(got[i] - expected[i]) <= tolerance, name + "[" + i + "]: " + got[i] + " vs " + expected[i]);
                assertEquals(got[i], bf16Round(got[i]), 0f, name + "[" + i + "] is a bfloat16 value");
            }
        }
    }

    private static float bf16Round(float value) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor rounded = Tensor.allocate(arena, DType.BF16, Shape.of(1));
            Convert.fromF32(Tensor.ofFloats(new float[] {value}, 1).data(), rounded);
            return rounded.getFloat(0);
        }
    }

    @Test
    void badAdaptersAreRefusedNamingTheProblem() throws IOException {
        Map<String, Tensor> mismatched = Map.of(
                PREFIX + "model.layers.0.self_attn.q_proj.lora_A.weight", Tensor.ofFloats(random(2 * 48, 1), 2, 48),
                PREFIX + "model.layers.0.self_attn.q_proj.lora_B.weight", Tensor.ofFloats(random(24 * 2, 2), 24, 2));
        assertRefused(adapter("mismatch", mismatched, "{\"r\": 2}"), "model.layers.0.self_attn.q_proj.weight");

        Map<String, Tensor> lonely = Map.of(PREFIX + "model.layers.0.self_attn.q_proj.lora_A.weight", Tensor.ofFloats(random(96, 1), 2, 48));
        assertRefused(adapter("lonely", lonely, "{\"r\": 2}"), "no matching lora_B");

        Map<String, Tensor> unknown = Map.of(
                PREFIX + "model.layers.9.self_attn.q_proj.lora_A.weight", Tensor.ofFloats(random(96, 1), 2, 48),
                PREFIX + "model.layers.9.self_attn.q_proj.lora_B.weight", Tensor.ofFloats(random(96, 2), 48, 2));
        assertRefused(adapter("unknown", unknown, "{\"r\": 2}"), "model.layers.9.self_attn.q_proj.weight");

        Map<String, Tensor> fine = Map.of(
                PREFIX + "model.layers.0.self_attn.q_proj.lora_A.weight", Tensor.ofFloats(random(96, 1), 2, 48),
                PREFIX + "model.layers.0.self_attn.q_proj.lora_B.weight", Tensor.ofFloats(random(96, 2), 48, 2));
        assertRefused(adapter("dora", fine, "{\"r\": 2, \"use_dora\": true}"), "DoRA");
        assertRefused(adapter("ia3", fine, "{\"peft_type\": \"IA3\"}"), "IA3");
        Path noWeights = Files.createDirectories(temp.resolve("no-weights"));
        Files.writeString(noWeights.resolve("adapter_config.json"), "{\"r\": 2}");
        assertRefused(noWeights, "adapter_model.safetensors");
    }

    private void assertRefused(Path adapter, String mention) throws IOException {
        Path out = temp.resolve("refused");
        CliRunner result = CliRunner.run("merge", config(adapter).toString(), out.toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains(mention), result.err());
        assertTrue(TestCheckpoints.leftovers(out).isEmpty(), "nothing is written");
    }

    private Map<String, float[]> merge(Path adapter) throws IOException {
        Path out = temp.resolve("out-" + adapter.getFileName());
        CliRunner result = CliRunner.run("merge", config(adapter).toString(), out.toString());
        assertEquals(0, result.exitCode(), result.err());
        String inputs = Files.readString(out.resolve("README.md"));
        assertTrue(inputs.contains("adapter_model.safetensors"), "the adapter is listed among the inputs");
        return TestCheckpoints.floats(out);
    }

    private Path config(Path adapter) throws IOException {
        return Files.writeString(temp.resolve("lora.yml"), "merge_method: linear\nmodels:\n  - model: " + base + "+" + adapter
                + "\n    parameters:\n      weight: 1.0\ndtype: float32\n");
    }

    private Path adapter(String name, Map<String, Tensor> tensors, String config) throws IOException {
        Path directory = Files.createDirectories(temp.resolve(name));
        Files.writeString(directory.resolve("adapter_config.json"), config);
        TestCheckpoints.write(directory.resolve("adapter_model.safetensors"), tensors);
        return directory;
    }

    /** W + s·B·A, or W + s·(B·A)ᵀ, in double; B [out, r], A [r, in]. */
    private static float[] plusLowRank(float[] w, float[] b, float[] a, int out, int r, int in, double s, boolean transposed) {
        float[] result = new float[w.length];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double product = 0;
                for (int k = 0; k < r; k++) {
                    product += (double) b[i * r + k] * a[k * in + j];
                }
                int index = transposed ? j * out + i : i * in + j;
                result[index] = (float) (w[index] + s * product);
            }
        }
        return result;
    }

    /**
     * Changed tensors within float32 rounding of the few operations involved (2 ulp of the terms' magnitude, the
     * rank being at most 4); all others bit-identical to the base.
     */
    private static void assertClose(Map<String, float[]> expected, Map<String, float[]> actual, Set<String> changed) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            if (!changed.contains(name)) {
                assertArrayEquals(expected.get(name), actual.get(name), name + " is untouched");
                continue;
            }
            float[] want = expected.get(name);
            float[] got = actual.get(name);
            for (int i = 0; i < want.length; i++) {
                // |W| < 1 and |s·B·A| < 2 here, so 4 ulp(1) covers rounding the product, the scale and the sum
                double tolerance = 4 * Math.ulp(Math.abs(want[i]) + 1f);
                assertTrue(Math.abs(want[i] - got[i]) <= tolerance, name + "[" + i + "]: " + got[i] + " vs " + want[i]);
            }
        }
        for (String name : changed) {
            float[] original = TestCheckpoints.floats(Fixtures.mergeTiny().resolve("llama/base")).get(name);
            assertTrue(!java.util.Arrays.equals(original, actual.get(name)), name + " was changed by the adapter");
        }
    }

    private static Tensor bf16(Arena arena, float[] values, long rows, long cols) {
        Tensor stored = Tensor.allocate(arena, DType.BF16, Shape.of(rows, cols));
        Convert.fromF32(Tensor.ofFloats(values, rows, cols).data(), stored);
        return stored;
    }

    /** Values in [-0.5, 0.5), deterministic per seed. */
    private static float[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextDouble() - 0.5);
        }
        return values;
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.tensor.Shape;
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

/**
 * FusionBench's {@code smile_upscaling/smile_mistral_upscaling} and {@code smile_qwen2_upscaling} on tiny decoders
 * (hidden 8, MLP 12, k/v 4 wide, 2 layers): FusionBench's SmileLinear tensor names and shapes, config.json with its
 * model_type, architectures and SMILE fields, experts that are the task vectors' SVDs (exactly ΔW at full rank),
 * deterministic output.
 */
class SmileDecoderUpscalingCliTest {
    private static final int H = TinyDecoders.HIDDEN;
    private static final int I = TinyDecoders.INTERMEDIATE;
    /** Projection -> [out, in] of the tiny decoders. */
    private static final Map<String, int[]> PROJECTIONS = Map.of("self_attn.q_proj", new int[] {H, H}, "self_attn.k_proj", new int[] {4, H},
            "self_attn.v_proj", new int[] {4, H}, "self_attn.o_proj", new int[] {H, H}, "mlp.gate_proj", new int[] {I, H},
            "mlp.up_proj", new int[] {I, H}, "mlp.down_proj", new int[] {H, I});
    private static final Map<String, int[]> QWEN2_BIASES = Map.of("model.layers.0.self_attn.q_proj.bias", new int[] {H},
            "model.layers.0.self_attn.k_proj.bias", new int[] {4}, "model.layers.0.self_attn.v_proj.bias", new int[] {4},
            "model.layers.1.self_attn.q_proj.bias", new int[] {H}, "model.layers.1.self_attn.k_proj.bias", new int[] {4},
            "model.layers.1.self_attn.v_proj.bias", new int[] {4});

    @TempDir
    Path temp;

    @Test
    void mistralGetsFusionBenchsTensorsAndConfig() throws IOException {
        Path base = TinyDecoders.write(temp.resolve("base"), "mistral", 2, 30, Map.of());
        List<Path> tasks = List.of(TinyDecoders.write(temp.resolve("math"), "mistral", 2, 31, Map.of()),
                TinyDecoders.write(temp.resolve("code"), "mistral", 2, 32, Map.of()));
        Path out = temp.resolve("out");
        CliRunner result = run("smile_upscaling/smile_mistral_upscaling", pool(base, tasks), out, "method.rank_of_router=2",
                "method.rank_of_expert=3", "method.num_experts_per_tok=2");
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> pretrained = TestCheckpoints.floats(base);
        Map<String, float[]> moe = TestCheckpoints.floats(out);
        Set<String> expected = new TreeSet<>();
        try (Checkpoint checkpoint = Checkpoint.open(out)) {
            for (String name : pretrained.keySet()) {
                if (!isProjection(name)) {
                    expected.add(name);
                    assertArrayEquals(pretrained.get(name), moe.get(name), name + " is the pretrained model's");
                }
            }
            for (int layer = 0; layer < 2; layer++) {
                for (Map.Entry<String, int[]> projection : PROJECTIONS.entrySet()) {
                    String p = "model.layers." + layer + "." + projection.getKey();
                    int rows = projection.getValue()[0];
                    int cols = projection.getValue()[1];
                    expected.add(p + ".gate.weight");
                    expected.add(p + ".shared_linear.weight");
                    assertEquals(Shape.of(2 * 2, cols), checkpoint.info(p + ".gate.weight").shape(), p + " router [E·R, in]");
                    assertArrayEquals(pretrained.get(p + ".weight"), moe.get(p + ".shared_linear.weight"), p + ": W0 shared");
                    for (int e = 0; e < 2; e++) {
                        expected.add(p + ".experts." + e + ".u");
                        expected.add(p + ".experts." + e + ".svh");
                        assertEquals(Shape.of(rows, 3), checkpoint.info(p + ".experts." + e + ".u").shape());
                        assertEquals(Shape.of(3, cols), checkpoint.info(p + ".experts." + e + ".svh").shape());
                    }
                }
            }
        }
        assertEquals(expected, moe.keySet(), "no plain projection weights are left");
        JsonNode config = json(out.resolve("config.json"));
        assertEquals("SmileMistralForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(1, config.get("architectures").size());
        assertEquals("smile_mistral", config.get("model_type").asText());
        assertEquals(2, config.get("num_local_experts").asInt());
        assertEquals(2, config.get("num_experts_per_tok").asInt());
        assertEquals(2, config.get("rank_of_router").asInt());
        assertEquals(3, config.get("rank_of_expert").asInt());
        assertEquals(4096, config.get("sliding_window").asInt(), "the rest of the Mistral config carried over");
        assertEquals(H, config.get("hidden_size").asInt());
        assertEquals(TinyDecoders.TOKENIZER_CONFIG, Files.readString(out.resolve("tokenizer_config.json")), "tokenizer copied");
        assertFalse(Files.exists(out.resolve("moe.json")), "amalgam's moe.json describes CLIP mixtures only");
    }

    /**
     * One expert at full rank (rank_of_expert 12 ≥ every min(out, in), padded with zeros past it): u·svh is ΔW, the bias
     * delta is b₁ − b0 (Qwen2's q, k, v), the router holds the top right singular vectors (orthonormal rows, zero rows
     * past min(out, in)). Dense experts (rank_of_expert −1) are ΔW itself. Deterministic for any thread count.
     */
    @Test
    void qwen2OneExpertAtFullRankIsTheTaskVector() throws IOException {
        Path base = TinyDecoders.write(temp.resolve("base"), "qwen2", 2, 40, QWEN2_BIASES);
        Path task = TinyDecoders.write(temp.resolve("task"), "qwen2", 2, 41, QWEN2_BIASES);
        Path pool = pool(base, List.of(task));
        Path out = temp.resolve("out");
        CliRunner result = run("smile_upscaling/smile_qwen2_upscaling", pool, out, "--threads", "1", "method.rank_of_expert=12",
                "method.rank_of_router=8");
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> w0 = TestCheckpoints.floats(base);
        Map<String, float[]> w1 = TestCheckpoints.floats(task);
        Map<String, float[]> moe = TestCheckpoints.floats(out);
        for (int layer = 0; layer < 2; layer++) {
            for (Map.Entry<String, int[]> projection : PROJECTIONS.entrySet()) {
                String p = "model.layers." + layer + "." + projection.getKey();
                int rows = projection.getValue()[0];
                int cols = projection.getValue()[1];
                int rank = Math.min(rows, cols);
                float[] u = moe.get(p + ".experts.0.u");
                float[] svh = moe.get(p + ".experts.0.svh");
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        double product = 0;
                        for (int k = 0; k < 12; k++) {
                            product += u[r * 12 + k] * svh[k * cols + c];
                        }
                        float delta = w1.get(p + ".weight")[r * cols + c] - w0.get(p + ".weight")[r * cols + c];
                        assertEquals(delta, product, 1e-5, p + " u·svh = ΔW at [" + r + "," + c + "]");
                    }
                    for (int k = rank; k < 12; k++) {
                        assertEquals(0f, u[r * 12 + k], p + ": zero columns past min(out, in)");
                    }
                }
                float[] gate = moe.get(p + ".gate.weight");
                assertEquals(8 * cols, gate.length);
                for (int j = 0; j < 8; j++) {
                    double norm = 0;
                    for (int c = 0; c < cols; c++) {
                        norm += gate[j * cols + c] * gate[j * cols + c];
                    }
                    assertEquals(j < rank ? 1.0 : 0.0, norm, 1e-5, p + " router row " + j);
                }
                boolean bias = w0.containsKey(p + ".bias");
                assertEquals(bias, moe.containsKey(p + ".experts.0.bias"), p);
                if (bias) {
                    assertArrayEquals(w0.get(p + ".bias"), moe.get(p + ".shared_linear.bias"));
                    float[] expected = new float[rows];
                    for (int r = 0; r < rows; r++) {
                        expected[r] = w1.get(p + ".bias")[r] - w0.get(p + ".bias")[r];
                    }
                    assertArrayEquals(expected, moe.get(p + ".experts.0.bias"), p + " bias delta");
                }
            }
        }
        JsonNode config = json(out.resolve("config.json"));
        assertEquals("SmileQwen2ForCausalLM", config.get("architectures").get(0).asText());
        assertEquals("smile_qwen2", config.get("model_type").asText());
        assertEquals(1, config.get("num_local_experts").asInt());

        Path threads = temp.resolve("threads");
        assertEquals(0, run("smile_upscaling/smile_qwen2_upscaling", pool, threads, "--threads", "3", "method.rank_of_expert=12",
                "method.rank_of_router=8").exitCode());
        Map<String, float[]> again = TestCheckpoints.floats(threads);
        moe.forEach((name, values) -> assertArrayEquals(values, again.get(name), name + ": the same for any thread count"));

        Path dense = temp.resolve("dense");
        assertEquals(0, run("smile_upscaling/smile_qwen2_upscaling", pool, dense, "method.rank_of_expert=-1").exitCode());
        Map<String, float[]> denseMoe = TestCheckpoints.floats(dense);
        String down = "model.layers.1.mlp.down_proj";
        float[] expected = new float[H * I];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = w1.get(down + ".weight")[i] - w0.get(down + ".weight")[i];
        }
        assertArrayEquals(expected, denseMoe.get(down + ".experts.0.weight"), "a dense expert is ΔW");
        assertFalse(denseMoe.containsKey(down + ".experts.0.u"));
    }

    /** A projection no task model changed computes W0 x + b0: zero router and experts (FusionBench leaves a plain linear). */
    @Test
    void anUnchangedProjectionGetsZeroExperts() {
        Path base = TinyDecoders.write(temp.resolve("base"), "mistral", 1, 50, Map.of());
        Path same = TinyDecoders.write(temp.resolve("same"), "mistral", 1, 50, Map.of());
        Path out = temp.resolve("out");
        CliRunner result = run("smile_upscaling/smile_mistral_upscaling", pool(base, List.of(same)), out, "method.rank_of_expert=2");
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> moe = TestCheckpoints.floats(out);
        for (String name : List.of("model.layers.0.self_attn.q_proj.gate.weight", "model.layers.0.self_attn.q_proj.experts.0.u",
                "model.layers.0.mlp.down_proj.experts.0.svh")) {
            for (float value : moe.get(name)) {
                assertEquals(0f, value, name);
            }
        }
    }

    @Test
    void badInputIsRefusedWithASentence() {
        Path base = TinyDecoders.write(temp.resolve("base"), "mistral", 1, 60, Map.of());
        Path task = TinyDecoders.write(temp.resolve("task"), "mistral", 1, 61, Map.of());
        CliRunner tooMany = run("smile_upscaling/smile_mistral_upscaling", pool(base, List.of(task)), temp.resolve("a"),
                "method.num_experts_per_tok=2");
        assertEquals(2, tooMany.exitCode(), tooMany.err());
        assertTrue(tooMany.err().contains("num_experts_per_tok"), tooMany.err());
        Path llama = TinyDecoders.llama(temp.resolve("llama"), 1, 62);
        CliRunner wrongFamily = run("smile_upscaling/smile_qwen2_upscaling", pool(llama, List.of(task)), temp.resolve("b"));
        assertEquals(2, wrongFamily.exitCode(), wrongFamily.err());
        assertTrue(wrongFamily.err().contains("qwen2"), wrongFamily.err());
        assertFalse(wrongFamily.err().contains("\tat "), wrongFamily.err());
    }

    private static boolean isProjection(String name) {
        return PROJECTIONS.keySet().stream().anyMatch(p -> name.contains("." + p + "."));
    }

    private Path pool(Path pretrained, List<Path> tasks) {
        StringBuilder text = new StringBuilder("_target_: fusion_bench.modelpool.CausalLMPool\nmodels:\n  _pretrained_: " + pretrained + "\n");
        for (int i = 0; i < tasks.size(); i++) {
            text.append("  expert_").append(i + 1).append(": ").append(tasks.get(i)).append('\n');
        }
        try {
            return Files.writeString(Files.createTempFile(temp, "pool", ".yaml"), text.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static CliRunner run(String method, Path pool, Path out, String... settings) {
        List<String> arguments = new ArrayList<>(List.of("run"));
        List<String> rest = new ArrayList<>(List.of(settings));
        if (!rest.isEmpty() && rest.getFirst().equals("--threads")) {
            arguments.addAll(rest.subList(0, 2));
            rest = rest.subList(2, rest.size());
        }
        arguments.addAll(List.of("method=" + method, "modelpool=" + pool, "taskpool=dummy", "merged_model_save_path=" + out));
        arguments.addAll(rest);
        return CliRunner.run(arguments.toArray(String[]::new));
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }
}

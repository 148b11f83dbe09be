package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench's {@code mixtral_moe_upscaling} and {@code mixtral_moe_merging}: a MixtralForCausalLM checkpoint whose
 * experts are the dense MLPs (gate_proj -> w1, down_proj -> w2, up_proj -> w3), whose attention, norms, embeddings and
 * LM head are the pretrained model's, with a router per layer and Mixtral's config.json.
 */
class MixtralMoeCliTest {
    private static final int H = TinyDecoders.HIDDEN;
    private static final Map<String, String> EXPERT_WEIGHTS = Map.of("gate_proj", "w1", "down_proj", "w2", "up_proj", "w3");

    @TempDir
    Path temp;

    @Test
    void upscalingCopiesTheDenseMlpIntoEveryExpertAndKeepsTheRest() throws IOException {
        Path model = TinyDecoders.llama(temp.resolve("llama"), 2, 11);
        Path out = temp.resolve("out");
        CliRunner result = run("mixtral_moe_upscaling", pool(model, List.of()), out, "method.num_experts=3");
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> dense = TestCheckpoints.floats(model);
        Map<String, float[]> moe = TestCheckpoints.floats(out);
        Set<String> expected = new TreeSet<>();
        dense.forEach((name, values) -> {
            if (!name.contains(".mlp.")) {
                expected.add(name);
                assertArrayEquals(values, moe.get(name), name + " (attention, norms, embeddings, LM head) is the model's");
            }
        });
        for (int layer = 0; layer < 2; layer++) {
            for (int expert = 0; expert < 3; expert++) {
                for (Map.Entry<String, String> weight : EXPERT_WEIGHTS.entrySet()) {
                    String name = expertName(layer, expert, weight.getValue());
                    expected.add(name);
                    assertArrayEquals(dense.get("model.layers." + layer + ".mlp." + weight.getKey() + ".weight"), moe.get(name), name);
                }
            }
            String router = routerName(layer);
            expected.add(router);
            assertArrayEquals(new float[3 * H], moe.get(router), "the default router is zeros: uniform routing");
        }
        assertEquals(expected, moe.keySet());
        try (amalgam.io.Checkpoint checkpoint = amalgam.io.Checkpoint.open(out)) {
            assertEquals(amalgam.tensor.Shape.of(3, H), checkpoint.info(routerName(0)).shape(), "router [num_experts, hidden]");
        }

        JsonNode config = json(out.resolve("config.json"));
        assertEquals("MixtralForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(1, config.get("architectures").size());
        assertEquals("mixtral", config.get("model_type").asText());
        assertEquals(3, config.get("num_local_experts").asInt());
        assertEquals(2, config.get("num_experts_per_tok").asInt());
        assertTrue(config.get("sliding_window").isNull());
        assertEquals(TinyDecoders.INTERMEDIATE, config.get("intermediate_size").asInt(), "the rest carried over");
        assertEquals(2, config.get("num_hidden_layers").asInt());
        assertEquals(TinyDecoders.TOKENIZER_CONFIG, Files.readString(out.resolve("tokenizer_config.json")), "tokenizer copied");
    }

    /**
     * With identical experts the kept top-k weights sum to 1, so the MoE block is the dense MLP whatever the router:
     * checked with the seeded random router and the zero one.
     */
    @Test
    void aMoeBlockOfIdenticalExpertsIsTheDenseMlp() {
        Path model = TinyDecoders.llama(temp.resolve("llama"), 2, 12);
        Map<String, float[]> dense = TestCheckpoints.floats(model);
        for (String router : List.of("uniform_random", "zeros")) {
            Path out = temp.resolve(router);
            CliRunner result = run("mixtral_moe_upscaling", pool(model, List.of()), out, "method.router_init=" + router,
                    "method.num_experts=4", "method.experts_per_token=2");
            assertEquals(0, result.exitCode(), result.err());
            Map<String, float[]> moe = TestCheckpoints.floats(out);
            Random random = new Random(5);
            for (int layer = 0; layer < 2; layer++) {
                float[] routerWeights = moe.get(routerName(layer));
                if (router.equals("uniform_random")) {
                    double bound = 1 / Math.sqrt(H);
                    for (float w : routerWeights) {
                        assertTrue(w != 0 && Math.abs(w) < bound, "U(-1/sqrt(H), 1/sqrt(H)): " + w);
                    }
                }
                MoeReference.Expert denseMlp = denseExpert(dense, layer);
                MoeReference.Expert[] experts = new MoeReference.Expert[4];
                for (int e = 0; e < 4; e++) {
                    experts[e] = expert(moe, layer, e);
                }
                for (int token = 0; token < 32; token++) {
                    double[] x = random.doubles(H, -2, 2).toArray();
                    double[] expected = MoeReference.mlp(denseMlp, H, x);
                    double[] got = MoeReference.sparseMoe(routerWeights, experts, 2, H, x);
                    for (int i = 0; i < H; i++) {
                        // double sums; the top-k weights sum to 1 up to a few ulps
                        assertEquals(expected[i], got[i], 1e-12 * (1 + Math.abs(expected[i])), router + " layer " + layer + "[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void mergingTakesExpertIFromTaskModelIAndTheRestFromThePretrainedModel() throws IOException {
        Path base = TinyDecoders.llama(temp.resolve("base"), 2, 20);
        List<Path> tasks = List.of(TinyDecoders.llama(temp.resolve("math"), 2, 21), TinyDecoders.llama(temp.resolve("code"), 2, 22),
                TinyDecoders.llama(temp.resolve("chat"), 2, 23));
        Path out = temp.resolve("out");
        CliRunner result = run("mixtral_moe_merging", pool(base, tasks), out, "method.router_init=uniform_random");
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> pretrained = TestCheckpoints.floats(base);
        Map<String, float[]> moe = TestCheckpoints.floats(out);
        pretrained.forEach((name, values) -> {
            if (!name.contains(".mlp.")) {
                assertArrayEquals(values, moe.get(name), name + " is the pretrained model's");
            }
        });
        for (int i = 0; i < tasks.size(); i++) {
            Map<String, float[]> task = TestCheckpoints.floats(tasks.get(i));
            for (int layer = 0; layer < 2; layer++) {
                for (Map.Entry<String, String> weight : EXPERT_WEIGHTS.entrySet()) {
                    assertArrayEquals(task.get("model.layers." + layer + ".mlp." + weight.getKey() + ".weight"),
                            moe.get(expertName(layer, i, weight.getValue())), "expert " + i + " is task model " + i + "'s MLP");
                }
            }
        }
        assertFalse(moe.containsKey(expertName(0, 3, "w1")), "one expert per task model");
        assertEquals(3 * H, moe.get(routerName(1)).length);
        JsonNode config = json(out.resolve("config.json"));
        assertEquals(3, config.get("num_local_experts").asInt());
        assertEquals(2, config.get("num_experts_per_tok").asInt());

        // distinct experts: the block is not the pretrained MLP (the identity above is not vacuous)
        double[] x = new Random(1).doubles(H, -2, 2).toArray();
        MoeReference.Expert[] experts = {expert(moe, 0, 0), expert(moe, 0, 1), expert(moe, 0, 2)};
        double[] mixed = MoeReference.sparseMoe(moe.get(routerName(0)), experts, 2, H, x);
        double[] plain = MoeReference.mlp(denseExpert(pretrained, 0), H, x);
        assertTrue(Math.abs(mixed[0] - plain[0]) > 1e-6, mixed[0] + " vs " + plain[0]);
    }

    @Test
    void saveCheckpointIsWhereTheModelIsSaved() {
        Path model = TinyDecoders.llama(temp.resolve("llama"), 1, 30);
        Path saved = temp.resolve("saved");
        CliRunner result = CliRunner.run("run", "method=mixtral_moe_upscaling", "method.save_checkpoint=" + saved,
                "modelpool=" + pool(model, List.of()), "taskpool=dummy");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(TestCheckpoints.floats(saved).containsKey(expertName(0, 3, "w2")));
    }

    @Test
    void aMistralModelLosesItsSlidingWindow() throws IOException {
        Path model = TinyDecoders.write(temp.resolve("mistral"), "mistral", 1, 31, Map.of());
        Path out = temp.resolve("out");
        assertEquals(0, run("mixtral_moe_upscaling", pool(model, List.of()), out).exitCode());
        JsonNode config = json(out.resolve("config.json"));
        assertTrue(config.get("sliding_window").isNull());
        assertEquals("mixtral", config.get("model_type").asText());
    }

    @Test
    void modelsMixtralCannotHoldAreRefused() {
        Path base = TinyDecoders.llama(temp.resolve("base"), 2, 40);
        Path qwen = TinyDecoders.write(temp.resolve("qwen"), "qwen2", 2, 41, Map.of("model.layers.0.self_attn.q_proj.bias", new int[] {H}));
        assertRefused(run("mixtral_moe_upscaling", pool(qwen, List.of()), temp.resolve("o1")), "model.layers.0.self_attn.q_proj.bias");
        Path gemma = TinyDecoders.write(temp.resolve("gemma"), "gemma", 2, 42, Map.of());
        assertRefused(run("mixtral_moe_upscaling", pool(gemma, List.of()), temp.resolve("o2")), "model_type 'gemma'");

        Path shallow = TinyDecoders.llama(temp.resolve("shallow"), 1, 43);
        assertRefused(run("mixtral_moe_merging", pool(base, List.of(shallow)), temp.resolve("o3"), "method.experts_per_token=1"),
                "has 1 layers");
        assertRefused(run("mixtral_moe_merging", pool(base, List.of(base)), temp.resolve("o4")), "experts_per_token");
        Path noBase = writePool("models:\n  a: " + base + "\n  b: " + shallow + "\n");
        assertRefused(run("mixtral_moe_merging", noBase, temp.resolve("o5")), "_pretrained_");
        assertRefused(run("mixtral_moe_upscaling", noBase, temp.resolve("o6")), "_pretrained_");
        assertRefused(run("mixtral_moe_upscaling", pool(base, List.of()), temp.resolve("o7"), "method.num_experts=0"), "num_experts");
        assertRefused(run("mixtral_moe_upscaling", pool(base, List.of()), temp.resolve("o8"), "method.router_init=normal"), "router_init");
        Path clip = amalgam.testing.Fixtures.clipTiny();
        assertRefused(run("mixtral_moe_upscaling", pool(clip, List.of()), temp.resolve("o9")), "LLaMA or Mistral");
    }

    @Test
    void outputsDoNotDependOnTheThreadCount() {
        Path base = TinyDecoders.llama(temp.resolve("base"), 3, 50);
        Path pool = pool(base, List.of(TinyDecoders.llama(temp.resolve("a"), 3, 51), TinyDecoders.llama(temp.resolve("b"), 3, 52)));
        Path out = temp.resolve("out");
        assertEquals(0, run("mixtral_moe_merging", pool, out, "--threads", "1", "method.router_init=uniform_random").exitCode());
        Path first = OutputFiles.copy(out, temp.resolve("first"));
        assertEquals(0, run("mixtral_moe_merging", pool, out, "--threads", "2", "method.router_init=uniform_random").exitCode());
        OutputFiles.assertIdentical(first, out);
    }

    private static MoeReference.Expert denseExpert(Map<String, float[]> dense, int layer) {
        String prefix = "model.layers." + layer + ".mlp.";
        return new MoeReference.Expert(dense.get(prefix + "gate_proj.weight"), dense.get(prefix + "down_proj.weight"),
                dense.get(prefix + "up_proj.weight"));
    }

    private static MoeReference.Expert expert(Map<String, float[]> moe, int layer, int expert) {
        return new MoeReference.Expert(moe.get(expertName(layer, expert, "w1")), moe.get(expertName(layer, expert, "w2")),
                moe.get(expertName(layer, expert, "w3")));
    }

    private static String expertName(int layer, int expert, String weight) {
        return "model.layers." + layer + ".block_sparse_moe.experts." + expert + "." + weight + ".weight";
    }

    private static String routerName(int layer) {
        return "model.layers." + layer + ".block_sparse_moe.gate.weight";
    }

    private void assertRefused(CliRunner result, String fragment) {
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains(fragment), "stderr names " + fragment + ":\n" + result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace:\n" + result.err());
    }

    private Path pool(Path pretrained, List<Path> tasks) {
        StringBuilder text = new StringBuilder("_target_: fusion_bench.modelpool.CausalLMPool\nmodels:\n  _pretrained_: " + pretrained + "\n");
        for (int i = 0; i < tasks.size(); i++) {
            text.append("  expert_").append(i + 1).append(": ").append(tasks.get(i)).append('\n');
        }
        return writePool(text.toString());
    }

    private Path writePool(String text) {
        try {
            return Files.writeString(Files.createTempFile(temp, "pool", ".yaml"), text);
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

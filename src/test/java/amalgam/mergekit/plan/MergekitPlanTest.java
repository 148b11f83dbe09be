package amalgam.mergekit.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.merge.TensorJob;
import amalgam.mergekit.config.ConfigParser;
import amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Planning: layer positions (C2), precedence (C4), frankenmerges (C23), tied heads (C24), dtypes, bad plans. */
class MergekitPlanTest {
    @TempDir
    Path root;

    private MergekitPlan plan(TinyLlama models, String yaml) {
        return MergekitPlan.build(ConfigParser.parse(yaml), 0, models::resolve, models::open);
    }

    private static Map<String, Float> firstValues(MergekitPlan plan) {
        return plan.jobs().stream().collect(Collectors.toMap(TensorJob::outputName,
                job -> ((MergeTensorJob) job).mergeValues().values()[0], (a, b) -> a, java.util.LinkedHashMap::new));
    }

    @Test
    void c2LayerPositionsAndNonLayerTensorsAtZero() {
        // A is all 1000 + layer, B all 2000 + layer: with weight_A = g, weight_B = 0, unnormalised -> g·(1000 + layer)
        TinyLlama models = new TinyLlama(root).add("A", 1, 4, true).add("B", 2, 4, true);
        Map<String, Float> out = firstValues(plan(models, """
                merge_method: linear
                models:
                  - model: A
                    parameters: {weight: [0, 0.3, 0.7, 1]}
                  - model: B
                    parameters: {weight: 0}
                parameters: {normalize: false}
                """));
        double[] g = {0, 0.3, 0.7, 1};
        for (int layer = 0; layer < 4; layer++) {
            assertEquals(g[layer] * (1000 + layer), out.get("model.layers." + layer + ".mlp.up_proj.weight"), 1e-3);
        }
        assertEquals(0f, out.get("model.embed_tokens.weight"));
        assertEquals(0f, out.get("model.norm.weight"));
        assertEquals(0f, out.get("lm_head.weight"));
        assertEquals(3 + 4 * 9, out.size());
    }

    @Test
    void c2OneLayerSliceUsesTheLastGradientElement() {
        TinyLlama models = new TinyLlama(root).add("A", 1, 8, true);
        Map<String, Float> out = firstValues(plan(models, """
                merge_method: linear
                slices:
                  - sources:
                      - model: A
                        layer_range: [5, 6]
                parameters: {normalize: false, weight: [0.2, 0.8]}
                """));
        assertEquals(0.8 * 1005, out.get("model.layers.0.self_attn.q_proj.weight"), 1e-3);
    }

    @Test
    void c4Precedence() {
        TinyLlama models = new TinyLlama(root).add("A", 1, 2, true).add("B", 2, 2, true);
        Map<String, Float> out = firstValues(plan(models, """
                merge_method: linear
                models:
                  - model: A
                    parameters: {weight: 1.0}
                  - model: B
                parameters: {weight: 0.5, normalize: false}
                """));
        assertEquals(1.0 * 1000 + 0.5 * 2000, out.get("model.layers.0.mlp.down_proj.weight"), 1e-3);

        UserInputException missing = assertThrows(UserInputException.class, () -> plan(models, """
                merge_method: slerp
                base_model: A
                models:
                  - model: A
                  - model: B
                    parameters: {t: 0.3}
                """));
        assertTrue(missing.getMessage().contains("Missing required parameter t"), missing.getMessage());

        Map<String, Float> slice = firstValues(plan(models, """
                merge_method: slerp
                base_model: A
                slices:
                  - sources:
                      - {model: A, layer_range: [0, 1]}
                      - {model: B, layer_range: [0, 1]}
                    parameters: {t: 1.0}
                  - sources:
                      - {model: A, layer_range: [1, 2]}
                      - {model: B, layer_range: [1, 2]}
                parameters: {t: 0.0}
                """));
        assertEquals(2000, slice.get("model.layers.0.mlp.up_proj.weight"), 1e-2);
        assertEquals(1001, slice.get("model.layers.1.mlp.up_proj.weight"), 1e-2);
    }

    @Test
    void c23FrankenmergeRenumbersLayers() {
        TinyLlama models = new TinyLlama(root).add("A", 1, 40, false).add("B", 2, 40, true);
        MergekitPlan plan = plan(models, """
                merge_method: passthrough
                slices:
                  - sources: [{model: A, layer_range: [0, 24]}]
                  - sources:
                      - model: B
                        layer_range: [20, 40]
                        parameters:
                          scale: [{filter: layers.20., value: 2}, {value: 1}]
                """);
        Map<String, Float> out = firstValues(plan);
        assertEquals(1023, out.get("model.layers.23.self_attn.o_proj.weight"));
        assertEquals(2 * 2020, out.get("model.layers.24.self_attn.o_proj.weight"), "per-source filter sees the input name");
        assertEquals(2039, out.get("model.layers.43.self_attn.o_proj.weight"));
        assertFalse(out.containsKey("model.layers.44.self_attn.o_proj.weight"));
        assertEquals(999, out.get("model.embed_tokens.weight"));
        assertEquals(1998, out.get("model.norm.weight"));
        assertEquals(1997, out.get("lm_head.weight"));
        assertEquals(Map.of("num_hidden_layers", 44), plan.configUpdates());
        assertEquals(root.resolve("A"), plan.donorDirectory());
    }

    @Test
    void c24TiedHeads() {
        TinyLlama tied = new TinyLlama(root).add("A", 1, 2, false).add("B", 2, 2, false);
        String yaml = """
                merge_method: linear
                models:
                  - {model: A, parameters: {weight: 1}}
                  - {model: B, parameters: {weight: 1}}
                """;
        assertFalse(firstValues(plan(tied, yaml)).containsKey("lm_head.weight"));
        TinyLlama mixed = new TinyLlama(root.resolve("mixed")).add("A", 1, 2, false).add("B", 2, 2, true);
        // A contributes its embeddings (999), B its head (1997): mean 1498
        assertEquals(1498, firstValues(plan(mixed, yaml)).get("lm_head.weight"));
    }

    @Test
    void dtypesFollowTheConfigOrTheBase() {
        TinyLlama models = new TinyLlama(root).add("A", 1, 1, true).add("B", 2, 1, true);
        String body = "merge_method: task_arithmetic\nbase_model: A\nmodels: [{model: B, parameters: {weight: 0.5}}]\n";
        MergekitPlan plain = plan(models, body);
        assertEquals(DType.F32, plain.jobs().getFirst().outputDType());
        assertEquals(null, plain.torchDType());
        assertEquals(3 + 9, plain.jobs().size());
        MergekitPlan bf16 = plan(models, body + "dtype: bfloat16\n");
        assertEquals(DType.BF16, bf16.jobs().getFirst().outputDType());
        assertEquals(DType.BF16, bf16.torchDType());
        MergekitPlan out = plan(models, body + "dtype: bfloat16\nout_dtype: torch.float16\n");
        assertEquals(DType.F16, out.jobs().getFirst().outputDType());
        assertEquals(DType.F16, out.torchDType());
        assertThrows(UserInputException.class, () -> plan(models, body + "dtype: fp16\n"));
        assertEquals(root.resolve("A"), plain.donorDirectory());
    }

    @Test
    void badPlansAreUserErrors() {
        TinyLlama models = new TinyLlama(root).add("A", 1, 2, true).add("B", 2, 3, true);
        assertThrows(UserInputException.class, () -> plan(models, "merge_method: frobnicate\nmodels: [{model: A}]\n"));
        assertThrows(UserInputException.class, () -> plan(models,
                "merge_method: ties\nmodels: [{model: A, parameters: {weight: 1}}]\n"));
        UserInputException range = assertThrows(UserInputException.class, () -> plan(models,
                "merge_method: passthrough\nslices: [{sources: [{model: A, layer_range: [0, 3]}]}]\n"));
        assertTrue(range.getMessage().contains("layer_range"));
        assertThrows(UserInputException.class, () -> plan(models,
                "merge_method: linear\nmodels: [{model: A, parameters: {weight: 1}}, {model: B, parameters: {weight: 1}}]\n"));
        assertThrows(UserInputException.class, () -> plan(models,
                "merge_method: linear\nmodels: [{model: A}, {model: A}]\n"));
        assertThrows(UserInputException.class, () -> plan(models,
                "merge_method: slerp\nbase_model: A\nmodels: [{model: A}, {model: B}]\nparameters:\n  t: {filter: mlp, value: 0.3}\n"));
    }

    @Test
    void inferredArchitectureWithoutConfigJson() {
        Function<Path, amalgam.merge.ModelSource> opener = path -> new amalgam.merge.InMemoryModelSource(path.toString(), Map.of(
                "encoder.layers.0.fc.weight", TinyLlama.filled(path.toString().equals("x") ? 1 : 3, 2),
                "encoder.layers.1.fc.weight", TinyLlama.filled(path.toString().equals("x") ? 1 : 3, 2),
                "head.weight", TinyLlama.filled(path.toString().equals("x") ? 1 : 3, 2)));
        MergekitPlan plan = MergekitPlan.build(ConfigParser.parse(
                "merge_method: linear\nmodels: [{model: x, parameters: {weight: 1}}, {model: y, parameters: {weight: 1}}]\n"),
                0, Path::of, opener);
        Map<String, Float> out = firstValues(plan);
        assertEquals(Map.of("head.weight", 2f, "encoder.layers.0.fc.weight", 2f, "encoder.layers.1.fc.weight", 2f), out);
    }
}

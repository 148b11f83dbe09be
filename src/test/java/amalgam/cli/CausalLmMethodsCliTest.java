package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import amalgam.io.Checkpoint;
import amalgam.io.TensorInfo;
import amalgam.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench's causal-LM method configs resolve to their base methods: {@code linear/task_arithmetic_for_causallm}
 * is task arithmetic over whole models, with {@code merge_backbone=true} only over the decoder backbone (the LM head
 * stays the pretrained one); {@code slerp/slerp_lm} is SLERP; {@code model_save_path} is where the model is saved.
 */
class CausalLmMethodsCliTest {
    @TempDir
    Path temp;

    @Test
    void causalLmVariantsAreTheirBaseMethods() throws Exception {
        Path llama = Fixtures.path("merge-tiny/llama");
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "_target_: fusion_bench.modelpool.CausalLMPool\nmodels:\n  _pretrained_: "
                + llama.resolve("base") + "\n  math: " + llama.resolve("math") + "\n  code: " + llama.resolve("code") + "\n");
        Map<String, float[]> plain = run(pool, "plain", "method=task_arithmetic");
        Map<String, float[]> variant = run(pool, "variant", "method=linear/task_arithmetic_for_causallm");
        plain.forEach((name, values) -> assertArrayEquals(values, variant.get(name), name));

        Map<String, float[]> backbone = run(pool, "backbone", "method=linear/task_arithmetic_for_causallm", "method.merge_backbone=true");
        Map<String, float[]> base = read(llama.resolve("base"));
        assertArrayEquals(base.get("lm_head.weight"), backbone.get("lm_head.weight"), "the LM head stays the pretrained one");
        assertFalse(java.util.Arrays.equals(base.get("lm_head.weight"), plain.get("lm_head.weight")), "plain TA changes it");
        plain.forEach((name, values) -> {
            if (name.startsWith("model.")) {
                assertArrayEquals(values, backbone.get(name), name);
            }
        });

        Path two = Files.writeString(temp.resolve("two.yaml"), "models:\n  _pretrained_: " + llama.resolve("base") + "\n  math: "
                + llama.resolve("math") + "\n  code: " + llama.resolve("code") + "\n");
        Map<String, float[]> slerp = run(two, "slerp", "method=slerp/slerp", "~modelpool.models._pretrained_");
        Map<String, float[]> slerpLm = run(two, "slerp-lm", "method=slerp/slerp_lm", "~modelpool.models._pretrained_");
        slerp.forEach((name, values) -> assertArrayEquals(values, slerpLm.get(name), name));

        Path saved = temp.resolve("checkpoint");
        CliRunner result = CliRunner.run("run", "method=linear/ties_merging_for_causallm", "method.model_save_path=" + saved,
                "modelpool=" + pool, "taskpool=dummy");
        assertEquals(0, result.exitCode(), result.err());
        assertEquals(plain.keySet(), read(saved).keySet(), "model_save_path: where the method saves the model");
    }

    private Map<String, float[]> run(Path pool, String name, String... arguments) {
        Path out = temp.resolve(name);
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("run", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + out));
        all.addAll(java.util.List.of(arguments));
        CliRunner result = CliRunner.run(all.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return read(out);
    }

    private static Map<String, float[]> read(Path directory) {
        Map<String, float[]> tensors = new TreeMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            for (TensorInfo info : checkpoint.tensors()) {
                tensors.put(info.name(), checkpoint.tensor(info.name()).toFloatArray());
            }
        }
        return tensors;
    }
}

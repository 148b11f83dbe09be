package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad inputs through both command-line dialects: exit code 2, a message naming the tensor and the models (or the
 * file or key) at fault, no stack trace, and nothing left at the output path or next to it. Inputs whose only
 * difference is a floating dtype are not errors: both dialects convert them (FusionBench computes in float32 and
 * saves in the pretrained dtype; mergekit casts every input to the working dtype, §2.1 and §3.6 of its spec).
 */
class BadInputCliTest {
    private static final String CLIP_TENSOR = "vision_model.encoder.layers.0.mlp.fc2.weight";
    private static final String LLAMA_TENSOR = "model.layers.0.mlp.down_proj.weight";

    @TempDir
    Path temp;
    private Path out;

    @BeforeEach
    void fixtures() {
        out = temp.resolve("results").resolve("out");
    }

    // ---- amalgam run ----

    @Test
    void runMissingTensor() throws IOException {
        Path broken = TestCheckpoints.copy(TestCheckpoints.clip("sun397"), temp.resolve("broken"), e -> e.tensors().remove(CLIP_TENSOR));
        assertRunFails(pool(broken), CLIP_TENSOR, "'broken'", "'_pretrained_'", "missing");
    }

    @Test
    void runShapeMismatch() throws IOException {
        Path broken = TestCheckpoints.copy(TestCheckpoints.clip("sun397"), temp.resolve("broken"), e -> e.dropLastColumn(CLIP_TENSOR));
        assertRunFails(pool(broken), CLIP_TENSOR, "'broken'", "'_pretrained_'", "[64, 255]", "[64, 256]");
    }

    @Test
    void runShapeMismatchInAPerTaskMethodLeavesNoTaskModel() throws IOException {
        Path broken = TestCheckpoints.copy(TestCheckpoints.clip("sun397"), temp.resolve("broken"), e -> e.dropLastColumn(CLIP_TENSOR));
        assertFails(run("method=tall_mask/task_arithmetic", "modelpool=" + pool(broken)), CLIP_TENSOR, "'broken'", "'_pretrained_'");
    }

    @Test
    void runConvertsAnotherFloatingDType() throws IOException {
        Path f16 = TestCheckpoints.copy(TestCheckpoints.clip("sun397"), temp.resolve("sun397"), e -> e.convert(CLIP_TENSOR, DType.F16));
        Path rounded = TestCheckpoints.copy(TestCheckpoints.clip("sun397"), temp.resolve("rounded").resolve("sun397"),
                e -> e.roundThrough(CLIP_TENSOR, DType.F16));
        Path other = temp.resolve("other");
        CliRunner first = CliRunner.run(run("method=task_arithmetic", "modelpool=" + pool(f16)).toArray(String[]::new));
        assertEquals(0, first.exitCode(), first.err());
        CliRunner second = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool(rounded), "taskpool=dummy",
                "merged_model_save_path=" + other);
        assertEquals(0, second.exitCode(), second.err());
        try (Checkpoint result = Checkpoint.open(out)) {
            assertEquals(DType.F32, result.info(CLIP_TENSOR).dtype(), "saved in the pretrained model's dtype");
        }
        assertSameTensors(TestCheckpoints.floats(other), TestCheckpoints.floats(out));
    }

    @Test
    void runMissingModelPath() throws IOException {
        assertRunFails(pool(temp.resolve("no-such-model")), "no-such-model", "not found");
    }

    @Test
    void runMalformedSafetensors() throws IOException {
        Path bad = Files.createDirectories(temp.resolve("bad"));
        Files.write(bad.resolve("model.safetensors"), new byte[] {16, 0, 0, 0, 0, 0, 0, 0, '{', '"', 'a', '"', ':', ' ', 'x', '}'});
        assertRunFails(pool(bad), bad.resolve("model.safetensors").toString(), "header");
    }

    @Test
    void runUnknownMethod() throws IOException {
        assertFails(run("method=no_such_method", "modelpool=" + pool(TestCheckpoints.clip("sun397"))), "'no_such_method'", "valid methods");
    }

    @Test
    void runUnknownMethodParameter() throws IOException {
        assertFails(run("method=ties_merging", "method.thresold=20", "modelpool=" + pool(TestCheckpoints.clip("sun397"))),
                "'thresold'", "'ties_merging'", "threshold");
    }

    @Test
    void runBadParameterValueType() throws IOException {
        assertFails(run("method=ties_merging", "method.threshold=twenty", "modelpool=" + pool(TestCheckpoints.clip("sun397"))),
                "'threshold'", "'ties_merging'", "twenty");
    }

    @Test
    void runUnknownRunKey() throws IOException {
        assertFails(run("method=task_arithmetic", "sed=7", "modelpool=" + pool(TestCheckpoints.clip("sun397"))), "'sed'", "valid keys");
    }

    @Test
    void runMalformedPoolYaml() throws IOException {
        Path yaml = Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: [clip/pretrained\n  a: }\n");
        assertFails(run("method=task_arithmetic", "modelpool=" + yaml), yaml.toString(), "YAML");
    }

    @Test
    void runMissingPoolFile() throws IOException {
        Path yaml = temp.resolve("absent.yaml");
        assertFails(run("method=task_arithmetic", "modelpool=" + yaml), yaml.toString(), "no such file");
    }

    // ---- amalgam merge ----

    @Test
    void mergeMissingTensor() throws IOException {
        Path broken = TestCheckpoints.copy(TestCheckpoints.llama("math"), temp.resolve("broken"), e -> e.tensors().remove(LLAMA_TENSOR));
        assertMergeFails(linearConfig(broken), LLAMA_TENSOR, broken.toString(), "missing");
    }

    @Test
    void mergeShapeMismatchIsAnErrorForLinear() throws IOException {
        Path broken = TestCheckpoints.copy(TestCheckpoints.llama("math"), temp.resolve("broken"), e -> e.dropLastColumn(LLAMA_TENSOR));
        assertMergeFails(linearConfig(broken), LLAMA_TENSOR, broken.toString(), TestCheckpoints.llama("base").toString(), "[48, 127]");
    }

    @Test
    void mergeShapeMismatchDropsTheModelForTies() throws IOException {
        // mergekit spec §2.3: a task-vector method leaves a mismatched non-embedding tensor's model out of that tensor
        Path broken = TestCheckpoints.copy(TestCheckpoints.llama("math"), temp.resolve("broken"), e -> e.dropLastColumn(LLAMA_TENSOR));
        CliRunner result = CliRunner.run("merge", tiesConfig(broken).toString(), out.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertArrayEquals(TestCheckpoints.floats(TestCheckpoints.llama("base")).get(LLAMA_TENSOR), TestCheckpoints.floats(out).get(LLAMA_TENSOR));
    }

    @Test
    void mergeConvertsAnotherFloatingDType() throws IOException {
        Path bf16 = TestCheckpoints.copy(TestCheckpoints.llama("math"), temp.resolve("bf16"), e -> e.convert(LLAMA_TENSOR, DType.BF16));
        Path rounded = TestCheckpoints.copy(TestCheckpoints.llama("math"), temp.resolve("rounded"), e -> e.roundThrough(LLAMA_TENSOR, DType.BF16));
        CliRunner first = CliRunner.run("merge", linearConfig(bf16).toString(), out.toString());
        assertEquals(0, first.exitCode(), first.err());
        Path other = temp.resolve("other");
        CliRunner second = CliRunner.run("merge", linearConfig(rounded).toString(), other.toString());
        assertEquals(0, second.exitCode(), second.err());
        assertSameTensors(TestCheckpoints.floats(other), TestCheckpoints.floats(out));
    }

    @Test
    void mergeMissingModelPath() throws IOException {
        assertMergeFails(linearConfig(temp.resolve("no-such-model")), "no-such-model", "not found");
    }

    @Test
    void mergeMalformedSafetensors() throws IOException {
        Path bad = Files.createDirectories(temp.resolve("bad"));
        Files.write(bad.resolve("model.safetensors"), new byte[] {1, 2, 3});
        assertMergeFails(linearConfig(bad), bad.resolve("model.safetensors").toString());
    }

    @Test
    void mergeUnknownMethod() throws IOException {
        Path config = Files.writeString(temp.resolve("c.yml"), "merge_method: no_such_method\nbase_model: " + TestCheckpoints.llama("base")
                + "\nmodels:\n  - model: " + TestCheckpoints.llama("math") + "\n");
        assertMergeFails(config, "'no_such_method'", "known methods");
    }

    @Test
    void mergeUnknownMethodParameterIsIgnoredAsMergekitDoes() throws IOException {
        // mergekit spec §1.5: parameters with names the method does not declare are ignored
        Path config = Files.writeString(temp.resolve("c.yml"), "merge_method: linear\nmodels:\n  - model: " + TestCheckpoints.llama("base")
                + "\n    parameters: {weight: 1.0, wieght: 3}\n  - model: " + TestCheckpoints.llama("math") + "\n    parameters: {weight: 1.0}\n");
        CliRunner result = CliRunner.run("merge", config.toString(), out.toString());
        assertEquals(0, result.exitCode(), result.err());
    }

    @Test
    void mergeBadParameterValueType() throws IOException {
        Path config = Files.writeString(temp.resolve("c.yml"), "merge_method: ties\nbase_model: " + TestCheckpoints.llama("base")
                + "\nmodels:\n  - model: " + TestCheckpoints.llama("math") + "\n    parameters: {weight: 1.0, density: half}\n");
        assertMergeFails(config, "density", "half", config.toString());
    }

    @Test
    void mergeMalformedYaml() throws IOException {
        Path config = Files.writeString(temp.resolve("c.yml"), "merge_method: ties\nbase_model: [" + TestCheckpoints.llama("base") + "\nmodels: }\n");
        assertMergeFails(config, config.toString(), "YAML");
    }

    @Test
    void mergeMissingConfigFile() throws IOException {
        Path config = temp.resolve("absent.yml");
        assertMergeFails(config, config.toString(), "no such file");
    }

    // ---- helpers ----

    private Path pool(Path first) throws IOException {
        return TestCheckpoints.poolWith(temp, first);
    }

    private Path linearConfig(Path model) throws IOException {
        return Files.writeString(Files.createTempFile(temp, "linear", ".yml"), "merge_method: linear\nmodels:\n  - model: "
                + TestCheckpoints.llama("base") + "\n    parameters: {weight: 0.5}\n  - model: " + model + "\n    parameters: {weight: 0.5}\n");
    }

    private Path tiesConfig(Path model) throws IOException {
        return Files.writeString(Files.createTempFile(temp, "ties", ".yml"), "merge_method: ties\nbase_model: " + TestCheckpoints.llama("base")
                + "\nmodels:\n  - model: " + model + "\n    parameters: {weight: 1.0, density: 0.5}\n");
    }

    private List<String> run(String... keys) {
        List<String> arguments = new ArrayList<>(List.of("run"));
        arguments.addAll(List.of(keys));
        arguments.add("taskpool=dummy");
        arguments.add("merged_model_save_path=" + out);
        return arguments;
    }

    private void assertRunFails(Path pool, String... fragments) throws IOException {
        assertFails(run("method=task_arithmetic", "modelpool=" + pool), fragments);
    }

    private void assertMergeFails(Path config, String... fragments) throws IOException {
        assertFails(List.of("merge", config.toString(), out.toString()), fragments);
    }

    private void assertFails(List<String> arguments, String... fragments) throws IOException {
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(2, result.exitCode(), "exit code of " + arguments + "\n" + result.err());
        for (String fragment : fragments) {
            assertTrue(result.err().contains(fragment), "stderr names " + fragment + ":\n" + result.err());
        }
        assertFalse(result.err().contains("\tat "), "no stack trace:\n" + result.err());
        assertEquals(List.of(), TestCheckpoints.leftovers(out), "nothing left at or next to the output path");
    }

    private static void assertSameTensors(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name), name));
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NaN and infinities through both dialects: in input weights they are bad input naming model and tensor unless
 * {@code --allow-nonfinite} lets them through; produced by a method from finite inputs they are bad input naming
 * method and tensor, with or without the option. Either way nothing is written.
 */
class NonFiniteCliTest {
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

    @ParameterizedTest
    @ValueSource(strings = {"task_arithmetic", "ties_merging", "dare_task_arithmetic", "magmax", "iso_c", "simple_average",
        "tsv_m", "opcm", "model_stock", "emr_merging"})
    void runRefusesANaNInputNamingModelAndTensor(String method) throws IOException {
        Path broken = poisoned(TestCheckpoints.clip("sun397"), temp.resolve("broken"), CLIP_TENSOR, 7, Float.NaN);
        assertFails(run("method=" + method, "modelpool=" + pool(broken)), "'broken'", CLIP_TENSOR, "NaN", "--allow-nonfinite");
    }

    @Test
    void runRefusesAnInfinityInThePretrainedModel() throws IOException {
        Path base = poisoned(TestCheckpoints.clip("pretrained"), temp.resolve("base"), CLIP_TENSOR, 3, Float.NEGATIVE_INFINITY);
        String pool = "models:\n  _pretrained_: " + base + "\n  sun397: " + TestCheckpoints.clip("sun397") + "\n";
        Path file = Files.writeString(temp.resolve("pool.yaml"), pool);
        assertFails(run("method=ties_merging", "modelpool=" + file), "'_pretrained_'", CLIP_TENSOR, "Infinity");
    }

    @Test
    void runRefusesANaNInputToSlerp() throws IOException {
        Path broken = poisoned(TestCheckpoints.clip("sun397"), temp.resolve("broken"), CLIP_TENSOR, 0, Float.NaN);
        String pool = "models:\n  _pretrained_: " + TestCheckpoints.clip("pretrained") + "\n  broken: " + broken + "\n";
        assertFails(run("method=slerp", "modelpool=" + Files.writeString(temp.resolve("pool.yaml"), pool)), "'broken'", CLIP_TENSOR);
    }

    @Test
    void runAllowNonFiniteFusesThemAsTheReference() throws IOException {
        Path broken = poisoned(TestCheckpoints.clip("sun397"), temp.resolve("broken"), CLIP_TENSOR, 7, Float.NaN);
        List<String> arguments = run("method=task_arithmetic", "modelpool=" + pool(broken));
        arguments.add("--allow-nonfinite");
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        float[] merged = TestCheckpoints.floats(out).get(CLIP_TENSOR);
        assertTrue(Float.isNaN(merged[7]), "θ0 + λ(… + NaN) is NaN");
        assertTrue(Float.isFinite(merged[6]), "only that element");
    }

    @Test
    void runRefusesNonFiniteValuesTheMethodProduces() throws IOException {
        // finite inputs and a finite λ, but λ overflows float32, the precision of the arithmetic
        for (boolean allow : new boolean[] {false, true}) {
            List<String> arguments = run("method=task_arithmetic", "method.scaling_factor=1e300", "modelpool=" + pool(TestCheckpoints.clip("sun397")));
            if (allow) {
                arguments.add("--allow-nonfinite");
            }
            assertFails(arguments, "'task_arithmetic'", "produced", "non-finite", "tensor '");
        }
    }

    @Test
    void runRefusesTiesThresholdAndIsoCtsFractionOutOfRangeWithExit2() throws IOException {
        Path pool = pool(TestCheckpoints.clip("sun397"));
        assertFails(run("method=ties_merging", "method.threshold=-5", "modelpool=" + pool), "'threshold'", "-5", "[0, 100]");
        assertFails(run("method=iso_cts", "method.common_space_fraction=2", "modelpool=" + pool), "'common_space_fraction'",
                "[0, 1]");
    }

    // ---- amalgam merge ----

    @ParameterizedTest
    @ValueSource(strings = {"linear", "slerp", "karcher", "ties", "dare_ties", "della", "task_arithmetic", "nuslerp", "multislerp"})
    void mergeRefusesANaNInputNamingModelAndTensor(String method) throws IOException {
        Path broken = poisoned(TestCheckpoints.llama("chat"), temp.resolve("broken"), LLAMA_TENSOR, 5, Float.NaN);
        assertFails(List.of("merge", config(method, broken).toString(), out.toString()), "broken", LLAMA_TENSOR, "NaN",
                "--allow-nonfinite");
    }

    @Test
    void mergeAllowNonFiniteMergesThemAsMergekit() throws IOException {
        Path broken = poisoned(TestCheckpoints.llama("chat"), temp.resolve("broken"), LLAMA_TENSOR, 5, Float.POSITIVE_INFINITY);
        CliRunner result = CliRunner.run("merge", config("linear", broken).toString(), out.toString(), "--allow-nonfinite");
        assertEquals(0, result.exitCode(), result.err());
        float[] merged = TestCheckpoints.floats(out).get(LLAMA_TENSOR);
        assertEquals(Float.POSITIVE_INFINITY, merged[5]);
    }

    @Test
    void mergeRefusesNonFiniteValuesTheMethodProduces() throws IOException {
        Path config = Files.writeString(temp.resolve("huge.yml"), "merge_method: task_arithmetic\nbase_model: " + TestCheckpoints.llama("base")
                + "\nparameters: {lambda: 1.0e300}\nmodels:\n  - model: " + TestCheckpoints.llama("chat") + "\n    parameters: {weight: 1.0}\n");
        for (String option : List.of("--seed=0", "--allow-nonfinite")) {
            assertFails(List.of("merge", config.toString(), out.toString(), option), "'task_arithmetic'", "produced",
                    "non-finite", "tensor '");
        }
    }

    // ---- helpers ----

    /** A copy of {@code source} with element {@code index} of {@code tensor} set to {@code value}. */
    static Path poisoned(Path source, Path target, String tensor, int index, float value) {
        return TestCheckpoints.copy(source, target, edit -> {
            Tensor t = edit.tensors().get(tensor);
            t.setFloat(index, value);
        });
    }

    private Path pool(Path first) throws IOException {
        return TestCheckpoints.poolWith(temp, first);
    }

    /** A config of {@code method} over the llama base and {@code model}, parameters in every method's domain. */
    private Path config(String method, Path model) throws IOException {
        String base = "base_model: " + TestCheckpoints.llama("base") + "\n";
        String models = "models:\n  - model: " + model + "\n    parameters: {weight: 0.6, density: 0.5}\n  - model: "
                + TestCheckpoints.llama("code") + "\n    parameters: {weight: 0.4, density: 0.5}\n";
        String text = switch (method) {
            case "slerp" -> "merge_method: slerp\n" + base + "parameters: {t: 0.3}\nmodels:\n  - model: " + TestCheckpoints.llama("base")
                    + "\n  - model: " + model + "\n";
            case "karcher" -> "merge_method: karcher\nmodels:\n  - model: " + TestCheckpoints.llama("base") + "\n  - model: " + model + "\n";
            case "linear", "nuslerp", "multislerp" -> "merge_method: " + method + "\n" + models;
            default -> "merge_method: " + method + "\n" + base + models;
        };
        return Files.writeString(Files.createTempFile(temp, method, ".yml"), text);
    }

    private List<String> run(String... keys) {
        List<String> arguments = new ArrayList<>(List.of("run"));
        arguments.addAll(List.of(keys));
        arguments.add("taskpool=dummy");
        arguments.add("merged_model_save_path=" + out);
        return arguments;
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
}

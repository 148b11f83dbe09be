package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import amalgam.testing.Fixtures;
import amalgam.testing.SafetensorsTestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The saved model.safetensors is byte-identical for any thread count and for equal seeds; DARE's weights depend on
 * the seed. The seed is also recorded in the file's metadata ({@code amalgam.seed}), so the other-seed check compares
 * the tensors, not the files, which would differ through the metadata alone.
 */
class DeterminismCliTest {
    @TempDir
    Path temp;
    private Path pool;
    private Path daretiesConfig;

    @BeforeEach
    void inputs() throws IOException {
        Path tiny = Fixtures.mergeTiny();
        StringBuilder text = new StringBuilder("models:\n  _pretrained_: " + tiny.resolve("clip/pretrained") + "\n");
        for (String task : List.of("sun397", "stanford_cars", "resisc45", "eurosat")) {
            text.append("  ").append(task).append(": ").append(tiny.resolve("clip").resolve(task)).append('\n');
        }
        pool = Files.writeString(temp.resolve("pool.yaml"), text);
        daretiesConfig = Files.writeString(temp.resolve("dare_ties.yml"), "merge_method: dare_ties\nbase_model: "
                + tiny.resolve("llama/base") + "\nmodels:\n"
                + "  - model: " + tiny.resolve("llama/math") + "\n    parameters: {weight: 1.0, density: 0.5}\n"
                + "  - model: " + tiny.resolve("llama/code") + "\n    parameters: {weight: 0.6, density: 0.4}\n"
                + "  - model: " + tiny.resolve("llama/chat") + "\n    parameters: {weight: 0.8, density: 0.7}\n");
    }

    @Test
    void dareTaskArithmetic() throws IOException {
        byte[] one = run("one", "1", "method=dare/task_arithmetic", "seed=7");
        assertArrayEquals(one, run("two", "2", "method=dare/task_arithmetic", "seed=7"), "--threads 1 vs 2");
        assertArrayEquals(one, run("again", "2", "method=dare/task_arithmetic", "seed=7"), "same seed twice");
        run("other", "2", "method=dare/task_arithmetic", "seed=8");
        assertWeightsDiffer(temp.resolve("one"), temp.resolve("other"));
    }

    @Test
    void tiesMerging() throws IOException {
        assertArrayEquals(run("one", "1", "method=ties_merging"), run("two", "2", "method=ties_merging"));
    }

    @Test
    void mergekitDareTies() throws IOException {
        byte[] one = merge("one", "1", "7");
        assertArrayEquals(one, merge("two", "2", "7"), "--threads 1 vs 2");
        assertArrayEquals(one, merge("again", "1", "7"), "same seed twice");
        merge("other", "2", "8");
        assertWeightsDiffer(temp.resolve("one"), temp.resolve("other"));
    }

    /**
     * Another seed drops other elements: the same tensors, but different values in some of them (the file's bytes
     * would differ anyway, through the seed in the metadata).
     */
    private static void assertWeightsDiffer(Path one, Path other) throws IOException {
        Map<String, float[]> a = SafetensorsTestFiles.floats(one.resolve("model.safetensors"));
        Map<String, float[]> b = SafetensorsTestFiles.floats(other.resolve("model.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        List<String> changed = a.keySet().stream().filter(name -> !Arrays.equals(a.get(name), b.get(name))).toList();
        assertFalse(changed.isEmpty(), "another seed gave the same weights");
        assertEquals("7", SafetensorsTestFiles.metadata(one.resolve("model.safetensors")).get("amalgam.seed"));
        assertEquals("8", SafetensorsTestFiles.metadata(other.resolve("model.safetensors")).get("amalgam.seed"));
    }

    private byte[] run(String name, String threads, String... keys) throws IOException {
        Path out = temp.resolve(name);
        List<String> arguments = new ArrayList<>(List.of("run", "--threads", threads));
        arguments.addAll(List.of(keys));
        arguments.addAll(List.of("modelpool=" + pool, "taskpool=dummy", "merged_model_save_path=" + out));
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return Files.readAllBytes(out.resolve("model.safetensors"));
    }

    private byte[] merge(String name, String threads, String seed) throws IOException {
        Path out = temp.resolve(name);
        CliRunner result = CliRunner.run("merge", daretiesConfig.toString(), out.toString(), "--seed", seed, "--threads", threads);
        assertEquals(0, result.exitCode(), result.err());
        return Files.readAllBytes(out.resolve("model.safetensors"));
    }
}

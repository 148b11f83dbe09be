package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded {@code pytorch_model.bin} base model (the fixture Llama base re-saved by torch.save) merges exactly as
 * its safetensors original, in both dialects; a refused pickle is exit 2 with nothing written.
 */
class TorchCheckpointCliTest {
    private static final Path BIN = Path.of("src/test/resources/torch/llama-bin").toAbsolutePath();

    @TempDir
    Path temp;

    @Test
    void mergekitMergeOfABinBaseEqualsTheSafetensorsMerge() throws IOException {
        Path llama = Fixtures.mergeTiny().resolve("llama");
        Map<String, float[]> fromBin = TestCheckpoints.floats(merge("bin", BIN, llama));
        Map<String, float[]> fromSafetensors = TestCheckpoints.floats(merge("st", llama.resolve("base"), llama));
        assertEquals(fromSafetensors.keySet(), fromBin.keySet());
        fromSafetensors.forEach((name, values) -> assertArrayEquals(values, fromBin.get(name), name));
    }

    @Test
    void fusionBenchRunReadsBinModelsToo() throws IOException {
        Path llama = Fixtures.mergeTiny().resolve("llama");
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + BIN + "\n  math: "
                + llama.resolve("math") + "\n  code: " + llama.resolve("code") + "\n");
        Path out = temp.resolve("fb");
        CliRunner result = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + out);
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(Files.readString(out.resolve("README.md")).contains("pytorch_model-00001-of-00002.bin"));
    }

    @Test
    void aPickleThatWouldRunCodeIsRefused() throws IOException {
        Path model = Files.createDirectories(temp.resolve("evil"));
        Files.copy(BIN.resolve("config.json"), model.resolve("config.json"));
        Files.copy(BIN.resolve("../evil.bin"), model.resolve("pytorch_model.bin"));
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("inspect", model.toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("posix.system"), result.err());
        Path pool = Files.writeString(temp.resolve("evil.yaml"), "models:\n  _pretrained_: " + model + "\n  a: " + BIN + "\n");
        CliRunner run = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + out);
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(TestCheckpoints.leftovers(out).isEmpty());
    }

    private Path merge(String name, Path base, Path llama) throws IOException {
        Path config = Files.writeString(temp.resolve(name + ".yml"), "merge_method: ties\nbase_model: " + base
                + "\nmodels:\n  - model: " + llama.resolve("math") + "\n    parameters: {weight: 0.6, density: 0.5}\n  - model: "
                + llama.resolve("code") + "\n    parameters: {weight: 0.4, density: 0.7}\ndtype: float32\n");
        Path out = temp.resolve("out-" + name);
        CliRunner result = CliRunner.run("merge", config.toString(), out.toString());
        assertEquals(0, result.exitCode(), result.err());
        return out;
    }
}

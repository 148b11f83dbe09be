package amalgam.cli;

import amalgam.io.OutputManifest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amalgam run} with a per-task method saves one complete model directory per task under the save path. */
class PerTaskRunCliTest {
    private static final List<String> TASKS = List.of("sun397", "eurosat", "svhn");

    @TempDir
    Path temp;
    private Path tiny;
    private Path pool;

    @BeforeEach
    void inputs() throws IOException {
        tiny = Fixtures.mergeTiny();
        StringBuilder text = new StringBuilder("models:\n  _pretrained_: " + tiny.resolve("clip/pretrained") + "\n");
        TASKS.forEach(t -> text.append("  ").append(t).append(": ").append(tiny.resolve("clip").resolve(t)).append('\n'));
        pool = Files.writeString(temp.resolve("pool.yaml"), text);
    }

    @Test
    void tallMaskSavesEveryTaskModel() throws IOException {
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("run", "method=tall_mask/task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + out);
        assertEquals(0, result.exitCode(), result.err());
        try (Stream<Path> children = Files.list(out)) {
            assertEquals(Stream.concat(Stream.of(OutputManifest.FILE_NAME), TASKS.stream()).sorted().toList(), children.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Map<String, float[]> theta0 = TestCheckpoints.floats(tiny.resolve("clip/pretrained"));
        List<Map<String, float[]>> finetuned = TASKS.stream().map(t -> TestCheckpoints.floats(tiny.resolve("clip").resolve(t))).toList();
        for (int t = 0; t < TASKS.size(); t++) {
            Path model = out.resolve(TASKS.get(t));
            assertTrue(Files.exists(model.resolve("model.safetensors")) && Files.exists(model.resolve("config.json"))
                    && Files.exists(model.resolve("README.md")), "a complete model directory for " + TASKS.get(t));
            Map<String, float[]> actual = TestCheckpoints.floats(model);
            int kept = 0;
            for (String name : theta0.keySet()) {
                float[] base = theta0.get(name);
                for (int i = 0; i < base.length; i++) {
                    float sum = 0;
                    for (Map<String, float[]> task : finetuned) {
                        sum += task.get(name)[i] - base[i];
                    }
                    float own = finetuned.get(t).get(name)[i] - base[i];
                    boolean keep = Math.abs(own) > 0.6f * Math.abs(sum - own);
                    kept += keep ? 1 : 0;
                    float expected = keep ? base[i] + sum : base[i];
                    assertEquals(expected, actual.get(name)[i], 1e-6f * (1 + Math.abs(expected)), name + "[" + i + "]");
                }
            }
            assertTrue(kept > 0, "the mask keeps something for " + TASKS.get(t));
        }

        // a second run replaces the earlier per-task output
        CliRunner again = CliRunner.run("run", "method=emr_merging", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + out);
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(List.of("out"), TestCheckpoints.leftovers(out));
    }

    @Test
    void perTaskRunWithoutSavePathStillFuses() {
        CliRunner result = CliRunner.run("run", "method=emr_merging", "modelpool=" + pool, "taskpool=dummy");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("model_info"), result.out());
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.tensor.DType;
import amalgam.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task arithmetic over a sharded pretrained model and a BF16 task model, checked against θ0 + 0.3·Σ(θᵢ − θ0)
 * computed here from the inputs (BF16 widened exactly to float), and against the same merge with the F32 sun397.
 */
class MixedInputsCliTest {
    private static final List<String> TASKS = List.of("sun397_bf16", "eurosat", "svhn");

    @TempDir
    Path temp;

    @Test
    void shardedPretrainedAndBf16Task() throws IOException {
        Path tiny = Fixtures.mergeTiny();
        Path out = temp.resolve("out");
        Path pool = Files.writeString(temp.resolve("pool.yaml"), poolText(tiny, TASKS));
        CliRunner result = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + out);
        assertEquals(0, result.exitCode(), result.err());
        try (Checkpoint merged = Checkpoint.open(out); Checkpoint bf16 = Checkpoint.open(tiny.resolve("clip/sun397_bf16"))) {
            assertEquals(DType.BF16, bf16.tensors().getFirst().dtype(), "the fixture task is stored in BF16");
            assertEquals(DType.F32, merged.tensors().getFirst().dtype(), "the output takes the pretrained model's dtype");
        }

        Map<String, float[]> theta0 = TestCheckpoints.floats(tiny.resolve("clip/pretrained_sharded"));
        Map<String, float[]> actual = TestCheckpoints.floats(out);
        Map<String, float[]> sun397 = TestCheckpoints.floats(tiny.resolve("clip/sun397"));
        List<Map<String, float[]>> tasks = TASKS.stream().map(t -> TestCheckpoints.floats(tiny.resolve("clip").resolve(t))).toList();
        assertEquals(theta0.keySet(), actual.keySet());
        for (String name : theta0.keySet()) {
            float[] base = theta0.get(name);
            float[] got = actual.get(name);
            for (int i = 0; i < base.length; i++) {
                double sum = 0;
                double magnitude = Math.abs(base[i]);
                for (Map<String, float[]> task : tasks) {
                    double tau = task.get(name)[i] - (double) base[i];
                    sum += tau;
                    magnitude += Math.abs(tau);
                }
                double expected = base[i] + 0.3 * sum;
                // float32 arithmetic (a few roundings of values up to `magnitude`) against exact double arithmetic
                double tolerance = 4 * Math.ulp((float) magnitude);
                assertTrue(Math.abs(got[i] - expected) <= tolerance, name + "[" + i + "]: " + got[i] + " vs " + expected);

                // With the F32 sun397 instead, the result moves by 0.3·(bf16(x) − x). BF16 keeps 8 significant bits,
                // so round to nearest is off by at most half a unit in the last place: |bf16(x) − x| <= 2^-8·|x|.
                double withF32 = expected + 0.3 * (sun397.get(name)[i] - (double) tasks.getFirst().get(name)[i]);
                double bf16Tolerance = 0.3 * Math.scalb(Math.abs(sun397.get(name)[i]), -8) + tolerance;
                assertTrue(Math.abs(got[i] - withF32) <= bf16Tolerance, name + "[" + i + "] vs the F32 merge");
            }
        }
    }

    private static String poolText(Path tiny, List<String> tasks) {
        StringBuilder text = new StringBuilder("models:\n  _pretrained_: " + tiny.resolve("clip/pretrained_sharded") + "\n");
        for (String task : tasks) {
            text.append("  ").append(task).append(": ").append(tiny.resolve("clip").resolve(task)).append('\n');
        }
        return text.toString();
    }
}

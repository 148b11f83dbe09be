package amalgam.cli;

import amalgam.io.OutputManifest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.TensorInfo;
import amalgam.testing.Fixtures;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * save_on_every_step (FusionBench's default) writes the model after step i as checkpoints/merged_model_i/ beside the
 * final model; the last step is bit-identical to the final model, and step 0 of continual task arithmetic is θ0 + λ·τ₁
 * (the same as plain task arithmetic on a one-model pool). evaluate_on_every_step evaluates step i on the tasks of the
 * models merged so far.
 */
class ContinualStepsCliTest {
    @TempDir
    Path temp;

    @Test
    void everyStepIsSavedAndTheLastIsTheFinalModel() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  eurosat: " + clip.resolve("eurosat") + "\n  svhn: " + clip.resolve("svhn") + "\n");
        Path one = Files.writeString(temp.resolve("one.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n");
        String method = "method=opcm/task_arithmetic";
        // save_on_every_step is FusionBench's default (true)
        assertEquals(0, CliRunner.run("run", method, "method.shuffle_order=false",
                "modelpool=" + pool, "merged_model_save_path=" + temp.resolve("steps")).exitCode());
        assertEquals(0, CliRunner.run("run", method, "method.shuffle_order=false", "method.save_on_every_step=false", "modelpool=" + pool,
                "merged_model_save_path=" + temp.resolve("final")).exitCode());
        assertEquals(0, CliRunner.run("run", "method=task_arithmetic", "modelpool=" + one,
                "merged_model_save_path=" + temp.resolve("first")).exitCode());
        try (Stream<Path> children = Files.list(temp.resolve("steps/checkpoints"))) {
            assertEquals(List.of("merged_model_0", "merged_model_1", "merged_model_2"),
                    children.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertSameWeights(temp.resolve("steps"), temp.resolve("final"));
        assertSameWeights(temp.resolve("steps/checkpoints/merged_model_2"), temp.resolve("final"));
        assertSameWeights(temp.resolve("steps/checkpoints/merged_model_0"), temp.resolve("first"));
        assertTrue(Files.exists(temp.resolve("steps/" + OutputManifest.FILE_NAME)));
    }

    @Test
    void everyStepIsEvaluatedAndTheLastIsTheFinalModel() throws Exception {
        amalgam.fusion.closedform.TinyTrainPools.write(temp, 4);
        Path report = temp.resolve("report.json");
        Path one = temp.resolve("one.json");
        Path pool = temp.resolve("pool.yaml");
        Path tasks = temp.resolve("tasks.yaml");
        String method = "method=opcm/opcm";
        CliRunner steps = CliRunner.run("run", method, "method.shuffle_order=false", "modelpool=" + pool, "taskpool=" + tasks,
                "report_save_path=" + report);
        assertEquals(0, steps.exitCode(), steps.err());
        CliRunner first = CliRunner.run("run", method, "modelpool=" + temp.resolve("pool-sun397.yaml"), "taskpool=" + tasks,
                "report_save_path=" + one, "method.evaluate_on_every_step=false");
        assertEquals(0, first.exitCode(), first.err());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode full = json.readTree(report.toFile());
        com.fasterxml.jackson.databind.JsonNode byStep = full.get("steps");
        assertEquals(List.of("merged_model_0", "merged_model_1"), iterable(byStep.fieldNames()));
        assertEquals("sun397", byStep.get("merged_model_0").get("model").asText());
        assertTrue(!byStep.get("merged_model_0").has("eurosat"), "step 0 is evaluated on the tasks merged so far");
        com.fasterxml.jackson.databind.JsonNode alone = json.readTree(one.toFile());
        assertEquals(alone.get("sun397"), byStep.get("merged_model_0").get("sun397"), "step 0: the first model alone");
        for (String task : amalgam.fusion.closedform.TinyTrainPools.TASKS) {
            assertEquals(full.get(task), byStep.get("merged_model_1").get(task), "the last step is the final model");
        }
        assertTrue(!json.readTree(one.toFile()).has("steps"), "evaluate_on_every_step=false: no steps");
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    private static void assertSameWeights(Path a, Path b) {
        try (Checkpoint left = Checkpoint.open(a); Checkpoint right = Checkpoint.open(b)) {
            for (TensorInfo info : left.tensors()) {
                assertArrayEquals(left.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE),
                        right.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE), info.name());
            }
        }
    }
}

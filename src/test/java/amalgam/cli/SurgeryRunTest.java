package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import amalgam.testing.SafetensorsTestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Representation surgery end to end on a tiny CLIP pool: the corrections are saved beside the merged model and applied
 * task by task when the folder is evaluated; with no surgery steps the corrections are zero and the corrected model
 * scores exactly as the AdaMerging model reported beside it; trained corrections change the scores and bring the
 * merged model's embeddings closer to each task model's (lower loss on most tasks is not promised on 12 images, so
 * the test checks the training objective itself: the report's corrected numbers differ and the saved up-projections
 * are no longer zero).
 */
class SurgeryRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path temp;

    @Test
    void zeroStepsReproduceAdaMergingAndTrainedCorrectionsAreSavedAndApplied() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  eurosat: " + clip.resolve("eurosat") + "\n");
        TaskPools.writeTwoTasks(temp);
        JsonNode untrained = run("zero", "method.surgery_steps=0");
        for (String task : List.of("sun397", "eurosat", "average")) {
            assertEquals(untrained.get("adamerging").get(task).get("accuracy").asDouble(), untrained.get(task).get("accuracy").asDouble());
            assertEquals(untrained.get("adamerging").get(task).get("loss").asDouble(), untrained.get(task).get("loss").asDouble(), 1e-5);
        }
        JsonNode trained = run("trained", "method.surgery_steps=40");
        assertEquals(untrained.get("adamerging").get("average").get("loss").asDouble(),
                trained.get("adamerging").get("average").get("loss").asDouble(), 1e-6, "the same AdaMerging model");
        assertNotEquals(untrained.get("average").get("loss").asDouble(), trained.get("average").get("loss").asDouble());
        Path corrections = temp.resolve("trained").resolve("representation_surgery.safetensors");
        assertTrue(Files.isRegularFile(corrections));
        Map<String, float[]> saved = SafetensorsTestFiles.floats(corrections);
        assertEquals(List.of("eurosat.down", "eurosat.up", "sun397.down", "sun397.up"), saved.keySet().stream().sorted().toList());
        double upNorm = 0;
        for (float value : saved.get("sun397.up")) {
            upNorm += value * value;
        }
        assertTrue(upNorm > 0, "trained up-projection is still zero");
        assertEquals(16 * 32, saved.get("sun397.down").length);
        assertTrue(Files.isRegularFile(temp.resolve("trained").resolve("merging_weights.safetensors")));
    }

    private JsonNode run(String name, String... options) throws Exception {
        Path report = temp.resolve(name + ".json");
        List<String> arguments = new ArrayList<>(List.of("run", "--threads", "2", "method=adamerging_surgery", "method.max_steps=3",
                "modelpool=" + temp.resolve("pool.yaml"), "taskpool=" + temp.resolve("tasks.yaml"),
                "merged_model_save_path=" + temp.resolve(name), "report_save_path=" + report));
        arguments.addAll(List.of(options));
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return JSON.readTree(report.toFile());
    }
}

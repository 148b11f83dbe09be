package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `run method=ada_svd/clip_vision` on the tiny train pool: a plain model whose routing weights are in the report under
 * {@code learned} and beside the saved model; a run without train data is bad input (exit 2) with a sentence.
 */
class AdaSvdRunTest {
    @TempDir
    static Path root;

    @BeforeAll
    static void pools() {
        TinyTrainPools.write(root, 16);
    }

    @Test
    void savesAPlainModelWithItsRoutingWeights() throws Exception {
        Path out = root.resolve("merged");
        Path report = root.resolve("report.json");
        CliRunner result = CliRunner.run("run", "--threads", "2", "method=ada_svd/clip_vision", "method.num_samples=8",
                "modelpool=" + root.resolve("pool.yaml"), "taskpool=" + root.resolve("tasks.yaml"), "reference=false",
                "merged_model_save_path=" + out, "report_save_path=" + report);
        assertEquals(0, result.exitCode(), result.err());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        JsonNode table = json.get("learned").get("routing_weights");
        assertEquals(24, table.get("columns").size(), "every encoder linear of the 4-layer tower");
        for (int column = 0; column < 24; column++) {
            double sum = table.get("rows").get("sun397").get(column).asDouble() + table.get("rows").get("eurosat").get(column).asDouble();
            assertEquals(1.0, sum, 1e-6);
        }
        assertTrue(Files.exists(out.resolve("routing_weights.safetensors")));
        assertFalse(Files.exists(out.resolve("moe.json")), "a plain model, not a mixture");
        assertTrue(json.get("average").get("accuracy").asDouble() >= 0);
    }

    @Test
    void aRunWithoutTrainDataIsBadInput() throws Exception {
        CliRunner noTaskPool = CliRunner.run("run", "method=ada_svd/clip_vision", "modelpool=" + root.resolve("pool.yaml"));
        assertEquals(2, noTaskPool.exitCode(), noTaskPool.err());
        assertTrue(noTaskPool.err().contains("task pool"), noTaskPool.err());
        Path testOnly = Files.writeString(root.resolve("test-only.yaml"), Files.readString(root.resolve("tasks.yaml"))
                .replace("train: eurosat-train, ", ""));
        CliRunner noTrain = CliRunner.run("run", "method=ada_svd/clip_vision", "method.num_samples=4",
                "modelpool=" + root.resolve("pool.yaml"), "taskpool=" + testOnly);
        assertEquals(2, noTrain.exitCode(), noTrain.err());
        assertTrue(noTrain.err().contains("eurosat") && noTrain.err().contains("'train'"), noTrain.err());
        CliRunner badList = CliRunner.run("run", "method=ada_svd/clip_vision", "method.num_samples=4", "method.scaling_factor=[1,2,3]",
                "modelpool=" + root.resolve("pool.yaml"), "taskpool=" + root.resolve("tasks.yaml"));
        assertEquals(2, badList.exitCode(), badList.err());
        assertTrue(badList.err().contains("scaling_factor"), badList.err());
    }
}

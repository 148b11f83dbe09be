package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fast_dev_run=true}, as FusionBench means it: evaluation reads one batch per task, and optimisation takes
 * one step unless the command line says how many.
 */
class FastDevRunTest {
    @TempDir
    static Path root;

    @BeforeAll
    static void pools() {
        TinyTrainPools.write(root, 16); // 12 test images per task, batch size 8
    }

    @Test
    void evaluationReadsOneBatchPerTask() throws Exception {
        JsonNode full = run("full.json", "method=task_arithmetic");
        JsonNode quick = run("quick.json", "method=task_arithmetic", "fast_dev_run=true");
        for (String task : TinyTrainPools.TASKS) {
            double accuracy = quick.get(task).get("accuracy").asDouble();
            assertEquals(Math.rint(accuracy * 8), accuracy * 8, 1e-9, task + ": a multiple of 1/8 (one batch of 8)");
            assertTrue(Math.abs(full.get(task).get("accuracy").asDouble() * 12 - Math.rint(full.get(task).get("accuracy").asDouble() * 12)) < 1e-9);
        }
    }

    @Test
    void optimisationTakesOneStepUnlessTold() throws Exception {
        String method = "method=adamerging/clip_task_wise_adamerging";
        JsonNode quick = run("ada.json", method, "fast_dev_run=true");
        JsonNode oneStep = run("ada1.json", method, "fast_dev_run=true", "method.max_steps=1");
        JsonNode threeSteps = run("ada3.json", method, "fast_dev_run=true", "method.max_steps=3");
        JsonNode noStep = run("ada0.json", method, "fast_dev_run=true", "method.max_steps=0");
        assertEquals(oneStep.get("learned"), quick.get("learned"), "fast_dev_run: one step");
        assertNotEquals(threeSteps.get("learned"), quick.get("learned"), "an explicit max_steps is kept");
        assertNotEquals(noStep.get("learned"), quick.get("learned"), "the one step moves the coefficients");
    }

    @Test
    void aValueThatIsNotABooleanIsBadInput() {
        CliRunner result = CliRunner.run("run", "modelpool=" + root.resolve("pool.yaml"), "taskpool=dummy", "fast_dev_run=5");
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("fast_dev_run"), result.err());
    }

    private static JsonNode run(String reportName, String... arguments) throws Exception {
        Path report = root.resolve(reportName);
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("run", "--threads", "2",
                "modelpool=" + root.resolve("pool.yaml"), "taskpool=" + root.resolve("tasks.yaml"), "report_save_path=" + report));
        all.addAll(java.util.List.of(arguments));
        CliRunner result = CliRunner.run(all.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return new ObjectMapper().readTree(report.toFile());
    }
}

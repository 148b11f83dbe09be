package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep on the built-in benchmark evaluates every point on the validation splits too and names the best point by
 * validation accuracy, with its test accuracy; a single run evaluates no validation split.
 */
class SweepSelectionCliTest {
    @TempDir
    Path temp;

    @Test
    void theBestPointIsChosenOnValidationAndReportedWithItsTestAccuracy() throws Exception {
        CliRunner sweep = CliRunner.run("run", "-m", "method=task_arithmetic", "method.scaling_factor=0.1,0.5", "--no-record",
                "report_save_path=" + temp.resolve("report${hydra:job.num}.json"));
        assertEquals(0, sweep.exitCode(), sweep.err());
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(temp.resolve("report0.json").toFile());
        JsonNode second = json.readTree(temp.resolve("report1.json").toFile());
        double firstValidation = first.get("validation").get("average").get("accuracy").asDouble();
        double secondValidation = second.get("validation").get("average").get("accuracy").asDouble();
        int best = secondValidation > firstValidation ? 1 : 0;
        JsonNode chosen = best == 0 ? first : second;
        String expected = String.format(Locale.ROOT, "# best job %d (++method.scaling_factor=%s): validation"
                + " accuracy %.4f, test accuracy %.4f", best, best == 0 ? "0.1" : "0.5",
                chosen.get("validation").get("average").get("accuracy").asDouble(), chosen.get("average").get("accuracy").asDouble());
        assertTrue(sweep.out().contains(expected), expected + "\n" + sweep.out());
        // validation and test are different images: the two averages differ
        assertTrue(chosen.get("validation").get("average").get("accuracy").asDouble() != chosen.get("average").get("accuracy").asDouble());

        CliRunner single = CliRunner.run("run", "method=task_arithmetic", "--no-record", "report_save_path=" + temp.resolve("single.json"));
        assertEquals(0, single.exitCode(), single.err());
        assertTrue(!json.readTree(temp.resolve("single.json").toFile()).has("validation"));
        assertTrue(!single.out().contains("# best job"));
    }

    @Test
    void aSweepFileRunsTheProductOfItsAxesAsMinusMDoes() throws Exception {
        Path tiny = Files.createDirectories(temp.resolve("tiny"));
        TinyTrainPools.write(tiny, 4);
        Path file = Files.writeString(temp.resolve("sweep.yaml"), "method: task_arithmetic\nmethod.scaling_factor: [0.2, 0.4]\n"
                + "seed: [0, 1]\nmodelpool: " + tiny.resolve("pool.yaml") + "\ntaskpool: " + tiny.resolve("tasks.yaml") + "\n");
        CliRunner sweep = CliRunner.run("run", "--no-record", "--sweep", file.toString());
        assertEquals(0, sweep.exitCode(), sweep.err());
        for (int job = 0; job < 4; job++) {
            assertTrue(sweep.out().contains("# job " + job + ": "), sweep.out());
        }
        assertTrue(sweep.out().contains("++method.scaling_factor=0.4 seed=1"), sweep.out());
        assertFalse(sweep.out().contains("# job 4"));

        Path bad = Files.writeString(temp.resolve("bad.yaml"), "method.scaling_factor: []\n");
        CliRunner refused = CliRunner.run("run", "--no-record", "--sweep", bad.toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("no values to sweep"), refused.err());
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void lanesRunJobsAtOnceWithTheSameOutputAndRecords() throws Exception {
        Path tiny = Files.createDirectories(temp.resolve("tiny-lanes"));
        TinyTrainPools.write(tiny, 4);
        List<String> sweep = List.of("run", "-m", "method=task_arithmetic", "method.scaling_factor=0.1,0.3,0.5,0.7", "--threads", "2",
                "modelpool=" + tiny.resolve("pool.yaml"), "taskpool=" + tiny.resolve("tasks.yaml"));
        List<String> one = new java.util.ArrayList<>(sweep);
        one.addAll(List.of("--lanes", "1", "--records", temp.resolve("records1").toString()));
        List<String> two = new java.util.ArrayList<>(sweep);
        two.addAll(List.of("--lanes", "2", "--records", temp.resolve("records2").toString()));
        CliRunner sequential = CliRunner.run(one.toArray(String[]::new));
        CliRunner parallel = CliRunner.run(two.toArray(String[]::new));
        assertEquals(0, sequential.exitCode(), sequential.err());
        assertEquals(0, parallel.exitCode(), parallel.err());
        assertEquals(sequential.out(), parallel.out(), "the same jobs, reports and order for any number of lanes");
        CliRunner listed = CliRunner.run("runs", "list", "--json", "--records", temp.resolve("records2").toString());
        JsonNode runs = new ObjectMapper().readTree(listed.out());
        assertEquals(4, runs.size(), listed.out());
        java.util.Set<String> sweeps = new java.util.HashSet<>();
        for (JsonNode run : runs) {
            CliRunner shown = CliRunner.run("runs", "show", run.get("id").asText(), "--json", "--records", temp.resolve("records2").toString());
            sweeps.add(new ObjectMapper().readTree(shown.out()).get("invocation").get("sweep").asText());
        }
        assertEquals(1, sweeps.size(), "every lane records into the same sweep: " + sweeps);

        // a failing job: the jobs before it are printed, its error is the command's, nothing runs on
        List<String> failing = new java.util.ArrayList<>(List.of("run", "-m", "method=task_arithmetic", "method.scaling_factor=0.1,1e300,0.5",
                "--lanes", "2", "--no-record", "modelpool=" + tiny.resolve("pool.yaml"), "taskpool=" + tiny.resolve("tasks.yaml")));
        CliRunner failed = CliRunner.run(failing.toArray(String[]::new));
        assertEquals(2, failed.exitCode(), failed.err());
        assertTrue(failed.out().contains("# job 0: ") && !failed.out().contains("# job 1: "), failed.out());
        assertTrue(failed.err().contains("non-finite"), failed.err());
    }
}

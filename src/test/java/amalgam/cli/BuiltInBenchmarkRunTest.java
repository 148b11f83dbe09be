package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command on the shipped mini8 zoo: `amalgam run` with no arguments prints the table (pretrained,
 * individual and task-arithmetic rows over the eight tasks) and the report, and the shipped zoo keeps the benchmark's
 * promises — individual models >= 90 % on their own tasks, pretrained model with heads <= 60 %, interference (a task
 * model is poor on the other tasks), and the best data-free merge >= 10 points above pretrained and >= 5 below
 * individual.
 */
class BuiltInBenchmarkRunTest {
    private static final List<String> TASKS = List.of("mnist", "fashion_mnist", "shapes", "textures", "counting",
            "orientation", "position", "symmetry");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void theDefaultRunPrintsTheTableAndAFullReport() throws Exception {
        CliRunner result = CliRunner.run("run", "--threads", "2");
        assertEquals(0, result.exitCode(), result.err());
        String table = result.out().substring(0, result.out().indexOf('{'));
        for (String word : List.of("model", "pretrained", "individual", "task_arithmetic", "average")) {
            assertTrue(table.contains(word), "table lacks '" + word + "':\n" + table);
        }
        TASKS.forEach(task -> assertTrue(table.contains(task), task));
        JsonNode report = JSON.readTree(result.out().substring(result.out().indexOf('{')));
        double sum = 0;
        for (String task : TASKS) {
            double accuracy = report.get(task).get("accuracy").asDouble();
            assertTrue(accuracy > 0 && accuracy <= 1, task + " " + accuracy);
            sum += accuracy;
        }
        assertEquals(sum / TASKS.size(), report.get("average").get("accuracy").asDouble(), 1e-12);
        assertTrue(report.get("model_info").get("all_params").asLong() > 100_000);
        JsonNode reference = report.get("reference");
        double individual = reference.get("individual").get("average").get("accuracy").asDouble();
        double pretrained = reference.get("pretrained").get("average").get("accuracy").asDouble();
        assertTrue(individual >= 0.90, "individual average " + individual);
        assertTrue(pretrained <= 0.60, "pretrained average " + pretrained);
        double merged = report.get("average").get("accuracy").asDouble();
        assertTrue(merged < individual - 0.05, "task arithmetic " + merged);

        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("amalgam.cache")).resolve("reference"))) {
            assertTrue(entries.count() >= 2L * TASKS.size(), "reference results are cached");
        }

        // again on one thread, in a cache of its own, so the reference rows are computed again rather than read back
        Path freshCache = temp.resolve("cache");
        String sharedCache = System.setProperty("amalgam.cache", freshCache.toString());
        CliRunner again;
        try {
            again = CliRunner.run("run", "--threads", "1");
        } finally {
            if (sharedCache == null) {
                System.clearProperty("amalgam.cache");
            } else {
                System.setProperty("amalgam.cache", sharedCache);
            }
        }
        assertEquals(0, again.exitCode(), again.err());
        try (Stream<Path> entries = Files.list(freshCache.resolve("reference"))) {
            assertTrue(entries.count() >= 2L * TASKS.size(), "the one-thread run evaluated the reference models itself");
        }
        assertEquals(result.out(), again.out(), "same report, reference rows included, whatever the thread count");
    }

    @Test
    void dummyOnTheBuiltInPoolIsThePretrainedRowAndATaskModelInterferesWithTheOthers() throws Exception {
        CliRunner dummy = CliRunner.run("run", "method=dummy");
        assertEquals(0, dummy.exitCode(), dummy.err());
        JsonNode report = JSON.readTree(dummy.out().substring(dummy.out().indexOf('{')));
        for (String task : TASKS) {
            assertEquals(report.get("reference").get("pretrained").get(task).get("accuracy").asDouble(),
                    report.get(task).get("accuracy").asDouble(), task);
        }
        Path zoo = Path.of(System.getProperty("amalgam.home"), "zoo", "mini8");
        Path pool = Files.createTempFile("mnist-only", ".yaml");
        try {
            Files.writeString(pool, "models:\n  mnist: " + zoo.resolve("mnist") + "\n");
            CliRunner single = CliRunner.run("run", "method=dummy", "modelpool=" + pool, "taskpool=mini8", "reference=false");
            assertEquals(0, single.exitCode(), single.err());
            JsonNode mnistModel = JSON.readTree(single.out().substring(single.out().indexOf('{')));
            double own = mnistModel.get("mnist").get("accuracy").asDouble();
            double others = 0;
            for (String task : TASKS.subList(1, TASKS.size())) {
                others += mnistModel.get(task).get("accuracy").asDouble() / (TASKS.size() - 1);
            }
            assertTrue(own >= 0.9 && others < own - 0.3, "mnist model: own " + own + ", others " + others);
        } finally {
            Files.deleteIfExists(pool);
        }
    }

    @Test
    void theBestDataFreeMergeLeavesRoomAboveAndBelow() throws Exception {
        // EMR (elect, mask, rescale: data-free, one model per task) is the best data-free method on mini8
        CliRunner emr = CliRunner.run("run", "method=emr_merging");
        assertEquals(0, emr.exitCode(), emr.err());
        JsonNode report = JSON.readTree(emr.out().substring(emr.out().indexOf('{')));
        double merged = report.get("average").get("accuracy").asDouble();
        double pretrained = report.get("reference").get("pretrained").get("average").get("accuracy").asDouble();
        double individual = report.get("reference").get("individual").get("average").get("accuracy").asDouble();
        assertTrue(merged >= pretrained + 0.10, "EMR " + merged + " vs pretrained " + pretrained);
        assertTrue(merged <= individual - 0.05, "EMR " + merged + " vs individual " + individual);
    }

    @Test
    void unknownBuiltInNamesAreUserErrors() {
        CliRunner result = CliRunner.run("run", "taskpool=nonesuch");
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("mini8"), result.err());
    }
}

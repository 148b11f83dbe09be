package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.data.synthetic.SyntheticDataset;
import amalgam.testing.Fixtures;
import amalgam.testing.TinyTaskData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `run` with an image task pool over the fixture's CLIP vision models: the report holds accuracy and loss per task
 * and their average, and with method=dummy (the fused model is the pretrained one) every task's numbers equal the
 * reference row of the pretrained model exactly.
 */
class TaskPoolRunTest {
    @TempDir
    Path temp;

    @Test
    void dummyRunMatchesThePretrainedReferenceRow() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  eurosat: " + clip.resolve("eurosat") + "\n");
        writeTask("sun397", "shapes");
        writeTask("eurosat", "orientation");
        Files.writeString(temp.resolve("tasks.yaml"), """
                tasks:
                  sun397: {data: sun397, head: sun397.safetensors}
                  eurosat: {data: eurosat, head: eurosat.safetensors}
                batch_size: 5
                """);
        Path reportFile = temp.resolve("report.json");
        CliRunner result = CliRunner.run("run", "--threads", "2", "method=dummy", "modelpool=" + temp.resolve("pool.yaml"),
                "taskpool=" + temp.resolve("tasks.yaml"), "reference=true", "report_save_path=" + reportFile);
        assertEquals(0, result.exitCode(), result.err());
        JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
        for (String task : new String[] {"sun397", "eurosat"}) {
            double accuracy = report.get(task).get("accuracy").asDouble();
            assertTrue(accuracy >= 0 && accuracy <= 1);
            assertEquals(accuracy, report.get("reference").get("pretrained").get(task).get("accuracy").asDouble());
            assertEquals(report.get(task).get("loss").asDouble(), report.get("reference").get("pretrained").get(task).get("loss").asDouble());
            assertTrue(report.get("reference").get("individual").has(task));
        }
        assertEquals((report.get("sun397").get("accuracy").asDouble() + report.get("eurosat").get("accuracy").asDouble()) / 2,
                report.get("average").get("accuracy").asDouble(), 1e-12);
        assertTrue(report.get("model_info").get("all_params").asLong() > 0);
    }

    private void writeTask(String name, String synthetic) {
        TinyTaskData.writeImages(temp.resolve(name), synthetic, SyntheticDataset.Split.TEST, 12);
        TinyTaskData.randomHead(name).save(temp.resolve(name + ".safetensors"));
    }
}

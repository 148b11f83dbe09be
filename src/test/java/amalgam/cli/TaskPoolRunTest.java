package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.data.synthetic.SyntheticDataset;
import amalgam.data.synthetic.SyntheticTask;
import amalgam.data.image.RgbImage;
import amalgam.model.clip.ZeroShotHead;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
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

    /** An image folder of 12 synthetic 32x32 images over 4 classes, and a random unit-row head [4, 32]. */
    private void writeTask(String name, String synthetic) throws Exception {
        SyntheticDataset data = new SyntheticDataset(SyntheticDataset.task(synthetic), SyntheticDataset.Split.TEST, 12, 1);
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i) % 4;
            Path folder = Files.createDirectories(temp.resolve(name).resolve("class" + label));
            RgbImage image = data.image(i);
            BufferedImage png = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < image.height(); y++) {
                for (int x = 0; x < image.width(); x++) {
                    png.setRGB(x, y, image.sample(y, x, 0) << 16 | image.sample(y, x, 1) << 8 | image.sample(y, x, 2));
                }
            }
            ImageIO.write(png, "png", folder.resolve(i + ".png").toFile());
        }
        float[] weights = new float[4 * 32];
        SplittableRandom random = new SplittableRandom(name.hashCode());
        for (int row = 0; row < 4; row++) {
            double norm = 0;
            for (int p = 0; p < 32; p++) {
                weights[row * 32 + p] = (float) random.nextGaussian();
                norm += weights[row * 32 + p] * weights[row * 32 + p];
            }
            for (int p = 0; p < 32; p++) {
                weights[row * 32 + p] /= (float) Math.sqrt(norm);
            }
        }
        new ZeroShotHead(Tensor.ofFloats(weights, 4, 32), (float) Math.log(100)).save(temp.resolve(name + ".safetensors"));
        assertTrue(SyntheticTask.IMAGE_SIZE == 32);
    }
}

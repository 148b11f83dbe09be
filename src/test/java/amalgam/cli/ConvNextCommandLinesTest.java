package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.HubCache;
import amalgam.io.SafetensorsWriter;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.tensor.Tensor;
import amalgam.testing.HubCacheFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench's documented ConvNeXt command lines ({@code modelpool=ConvNextForImageClassification/convnext-base-224_8-tasks
 * taskpool=dummy}, with sweeps and a save path) against a hub cache of stand-ins under the published repo ids: the
 * backbone is merged exactly and each task's head is kept beside the fused model.
 */
class ConvNextCommandLinesTest {
    private static final List<String> TASKS = List.of("sun397", "stanford-cars", "resisc45", "eurosat", "svhn", "gtsrb", "mnist", "dtd");
    private static final List<Integer> CLASSES = List.of(397, 196, 45, 10, 10, 43, 10, 47);
    private static final String POOL = "modelpool=ConvNextForImageClassification/convnext-base-224_8-tasks";

    @TempDir
    static Path root;
    private static String previousHub;

    @BeforeAll
    static void hubCache() throws Exception {
        Path hub = Files.createDirectories(root.resolve("hub"));
        add(hub, "facebook/convnext-base-224", 0, 1000);
        for (int t = 0; t < TASKS.size(); t++) {
            add(hub, "tanganke/convnext-base-224_" + TASKS.get(t) + "_sgd_batch-size-64_lr-0.01_steps-4000", t + 1, CLASSES.get(t));
        }
        previousHub = System.setProperty("amalgam.hub.cache", hub.toString());
    }

    @AfterAll
    static void restore() {
        if (previousHub == null) {
            System.clearProperty("amalgam.hub.cache");
        } else {
            System.setProperty("amalgam.hub.cache", previousHub);
        }
    }

    /** Model {@code k} (0: pretrained): backbone [1 + k, 2, 3, 4 - k], a head of {@code classes} rows filled with k. */
    private static void add(Path hub, String repoId, int k, int classes) throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("convnext.encoder.stages.0.layers.0.dwconv.weight", Tensor.ofFloats(new float[] {1 + k, 2, 3, 4 - k}, 4));
        float[] head = new float[classes * 2];
        java.util.Arrays.fill(head, k);
        tensors.put("classifier.weight", Tensor.ofFloats(head, classes, 2));
        Path saved = root.resolve("model-" + k);
        ClipCheckpoints.save(saved, tensors, "{\"model_type\": \"convnext\", \"architectures\": [\"ConvNextForImageClassification\"]}",
                SafetensorsWriter.PT_FORMAT);
        HubCacheFixture.addRepo(hub, HubCache.RepoType.MODEL.folderName(repoId), "c0ffee" + k, Map.of(
                "config.json", Files.readAllBytes(saved.resolve("config.json")),
                "model.safetensors", Files.readAllBytes(saved.resolve("model.safetensors"))));
    }

    @Test
    void theSaveCommandMergesTheBackboneAndKeepsEveryTasksHead() throws Exception {
        Path out = root.resolve("outputs/merged_model");
        CliRunner result = CliRunner.run("run", "method=simple_average", POOL, "taskpool=dummy",
                "merged_model_save_path=" + out, "report_save_path=false");
        assertEquals(0, result.exitCode(), result.err());
        try (Checkpoint merged = Checkpoint.open(out)) {
            // the mean of the eight fine-tunes: 1 + 4.5, 4 - 4.5
            assertArrayEquals(new float[] {5.5f, 2, 3, -0.5f}, merged.tensor("convnext.encoder.stages.0.layers.0.dwconv.weight").toFloatArray());
            assertEquals(1000, merged.tensor("classifier.weight").shape().dim(0)); // the pretrained classifier
        }
        for (int t = 0; t < TASKS.size(); t++) {
            try (Checkpoint head = Checkpoint.open(out.resolve("heads/" + TASKS.get(t) + ".safetensors"))) {
                float[] weights = head.tensor("classifier.weight").toFloatArray();
                assertEquals(CLASSES.get(t) * 2, weights.length);
                assertEquals(t + 1, weights[0]);
            }
        }
        assertTrue(Files.notExists(Path.of("false"))); // report_save_path=false writes no report
    }

    @Test
    void theDocumentedSweepsRunOneJobPerPoint() {
        CliRunner scaling = CliRunner.run("run", "-m", "method=task_arithmetic", "method.scaling_factor=0.1,0.3,0.5,1.0", POOL,
                "taskpool=dummy");
        assertEquals(0, scaling.exitCode(), scaling.err());
        CliRunner methods = CliRunner.run("run", "-m", "method=task_arithmetic,simple_average", POOL, "taskpool=dummy");
        assertEquals(0, methods.exitCode(), methods.err());
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.model.clip.ZeroShotHead;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ensembles end to end: a one-member ensemble is its member; a two-member mean and max combine the members' pooled
 * features (computed here independently, one tower at a time) before the pretrained projection and the head; the
 * saved ensemble folder describes its members and evaluates to the same numbers as the in-memory ensemble.
 */
class EnsembleRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path temp;

    @Test
    void aOneMemberEnsembleEqualsItsMember() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Files.writeString(temp.resolve("pool.yaml"), "models:\n  sun397: " + clip.resolve("sun397") + "\n");
        TaskPools.writeTwoTasks(temp);
        JsonNode ensemble = run("method=simple_ensemble", "ensemble.json");
        JsonNode member = run("method=dummy", "dummy.json");
        for (String task : List.of("sun397", "eurosat")) {
            assertEquals(member.get(task).get("accuracy").asDouble(), ensemble.get(task).get("accuracy").asDouble(), task);
            assertEquals(member.get(task).get("loss").asDouble(), ensemble.get(task).get("loss").asDouble(), 1e-6, task);
        }
    }

    @Test
    void meanAndMaxCombinePooledFeaturesBeforeTheProjection() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  eurosat: " + clip.resolve("eurosat") + "\n");
        TaskPools.writeTwoTasks(temp);
        JsonNode mean = run("method=ensemble/simple_ensemble", "mean.json");
        JsonNode weighted = run("method=weighted_ensemble", "weighted.json", "method.weights=[3, 1]");
        JsonNode max = run("method=max_model_predictor", "max.json");
        List<Path> members = List.of(clip.resolve("sun397"), clip.resolve("eurosat"));
        for (String task : List.of("sun397", "eurosat")) {
            assertEquals(expectedLoss(clip.resolve("pretrained"), members, new double[] {0.5, 0.5}, false, task),
                    mean.get(task).get("loss").asDouble(), 1e-4, task);
            assertEquals(expectedLoss(clip.resolve("pretrained"), members, new double[] {0.75, 0.25}, false, task),
                    weighted.get(task).get("loss").asDouble(), 1e-4, task);
            assertEquals(expectedLoss(clip.resolve("pretrained"), members, null, true, task),
                    max.get(task).get("loss").asDouble(), 1e-4, task);
        }
        assertEquals(2 * singleModelParameters(clip.resolve("sun397")), mean.get("model_info").get("all_params").asLong());
    }

    @Test
    void theSavedEnsembleDescribesItsMembersAndEvaluatesAsInMemory() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  eurosat: " + clip.resolve("eurosat") + "\n");
        TaskPools.writeTwoTasks(temp);
        JsonNode inMemory = run("method=weighted_ensemble", "memory.json", "method.weights=[1, 3]");
        Path saved = temp.resolve("saved");
        JsonNode fromFolder = run("method=weighted_ensemble", "saved.json", "method.weights=[1, 3]",
                "merged_model_save_path=" + saved);
        for (String task : List.of("sun397", "eurosat")) {
            assertEquals(inMemory.get(task).get("loss").asDouble(), fromFolder.get(task).get("loss").asDouble(), 1e-6);
        }
        JsonNode description = JSON.readTree(saved.resolve("ensemble.json").toFile());
        assertEquals("weighted_sum", description.get("combination").asText());
        assertEquals("sun397", description.get("members").get(0).get("folder").asText());
        assertEquals(0.25, description.get("members").get(0).get("weight").asDouble(), 1e-12);
        assertEquals(0.75, description.get("members").get(1).get("weight").asDouble(), 1e-12);
        assertTrue(Files.isRegularFile(saved.resolve("eurosat").resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(saved.resolve("visual_projection.safetensors")));
        assertTrue(Files.isRegularFile(saved.resolve(".amalgam-output.json")));
        CliRunner inspect = CliRunner.run("inspect", saved.toString(), "--json");
        assertEquals(0, inspect.exitCode(), inspect.err());
        JsonNode inspected = JSON.readTree(inspect.out());
        assertEquals(2, inspected.get("ensemble").get("members").size());
        assertEquals(fromFolder.get("model_info").get("all_params").asLong(), inspected.get("num_parameters").asLong());
    }

    private JsonNode run(String method, String reportName, String... more) throws Exception {
        Path report = temp.resolve(reportName);
        List<String> arguments = new java.util.ArrayList<>(List.of("run", "--threads", "2", method,
                "modelpool=" + temp.resolve("pool.yaml"), "taskpool=" + temp.resolve("tasks.yaml"), "report_save_path=" + report));
        arguments.addAll(List.of(more));
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return JSON.readTree(report.toFile());
    }

    /**
     * The mean cross-entropy over a task's batches (size 5, as the task pool says) of the ensemble computed from
     * scratch: each member's post_layernorm(CLS) through the reference forward, combined, then the pretrained
     * projection and the head.
     */
    private double expectedLoss(Path pretrained, List<Path> members, double[] weights, boolean max, String task) throws Exception {
        Path base = temp;
        ClipConfig config = ClipConfig.read(pretrained.resolve("config.json"));
        ClipModel model = new ClipModel(new ClipConfig(config.vision(), null, config.projectionDim()));
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(1); Graph graph = Graph.inference(parallel)) {
            Parameters projection;
            try (Checkpoint checkpoint = Checkpoint.open(pretrained)) {
                projection = ClipWeights.load(checkpoint, model.config(), true, arena);
            }
            List<Parameters> towers = new java.util.ArrayList<>();
            for (Path member : members) {
                try (Checkpoint checkpoint = Checkpoint.open(member)) {
                    towers.add(ClipWeights.load(checkpoint, model.config(), false, arena));
                }
            }
            ZeroShotHead head = ZeroShotHead.load(base.resolve(task + ".safetensors"), arena);
            List<TaskPools.Batch> batches = TaskPools.batches(base.resolve(task), 5, arena);
            double lossSum = 0;
            for (TaskPools.Batch batch : batches) {
                float[] combined = null;
                for (int m = 0; m < towers.size(); m++) {
                    graph.reset();
                    float[] pooled = model.vision(graph, towers.get(m), graph.constant(batch.pixels())).pooled().value().toFloatArray();
                    if (combined == null) {
                        combined = new float[pooled.length];
                        java.util.Arrays.fill(combined, max ? Float.NEGATIVE_INFINITY : 0);
                    }
                    for (int i = 0; i < pooled.length; i++) {
                        combined[i] = max ? Math.max(combined[i], pooled[i]) : (float) (combined[i] + weights[m] * pooled[i]);
                    }
                }
                graph.reset();
                Var features = Var.constant(Tensor.ofFloats(combined, batch.labels().length, config.vision().hiddenSize()));
                float[] logits = head.logits(graph, model.imageEmbeds(graph, projection, features)).value().toFloatArray();
                int classes = logits.length / batch.labels().length;
                double loss = 0;
                for (int i = 0; i < batch.labels().length; i++) {
                    double maxLogit = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < classes; c++) {
                        maxLogit = Math.max(maxLogit, logits[i * classes + c]);
                    }
                    double sum = 0;
                    for (int c = 0; c < classes; c++) {
                        sum += Math.exp(logits[i * classes + c] - maxLogit);
                    }
                    loss += Math.log(sum) + maxLogit - logits[i * classes + batch.labels()[i]];
                }
                lossSum += loss / batch.labels().length;
            }
            return lossSum / batches.size();
        }
    }

    private static long singleModelParameters(Path model) {
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            return checkpoint.tensors().stream().mapToLong(info -> info.shape().elementCount()).sum();
        }
    }
}

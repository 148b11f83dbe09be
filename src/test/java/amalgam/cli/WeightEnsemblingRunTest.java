package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WEMoE, sparse WEMoE and RankOne-MoE end to end on the merge-tiny CLIP towers (width 64, MLP 256, 4 layers) with the
 * two-task pool (12 test images per task, evaluated in batches of 5): a one-expert WEMoE whose router outputs 1 is its
 * expert; a saved mixture evaluates as in the run (method=dummy) and inspect describes it; the per-image evaluation rule
 * is recorded and changes the numbers; outputs are byte-identical for 1 and 2 threads; bad parameters are exit 2.
 */
class WeightEnsemblingRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEMOE = "method=wemoe/weight_ensembling_moe";
    private static final String SPARSE = "method=wemoe/sparse_weight_ensembling_moe";
    private static final String RANKONE = "method=rankone_moe/rankone_moe";
    /** Parameters of one merge-tiny MLP (fc1 256x64 + 256, fc2 64x256 + 64) and of a depth-2 WEMoE router of 2 experts. */
    private static final long MLP = 2 * 64 * 256 + 256 + 64;
    private static final long ROUTER = 64 * 64 + 64 + 2 * 64 + 2;
    @TempDir
    Path temp;

    @Test
    void aOneExpertMixtureWhoseRouterOutputsOneIsThatExpert() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        TaskPools.writeTwoTasks(temp);
        // the mixture keeps the pretrained visual_projection (never merged), so the expert is sun397's tower with it
        Path expert = towerOf(clip.resolve("sun397"), clip.resolve("pretrained"), temp.resolve("sun397-tower"));
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", expert);
        pool("expert.yaml", "sun397", expert);
        JsonNode itself = run("expert.json", "method=dummy", "modelpool=" + temp.resolve("expert.yaml"));
        // λ = 1 outside the MLPs is θ0 + τ; a depth-0 router at 1 makes each MLP θ0 + τ too
        JsonNode mixture = run("mixture.json", WEMOE, "method.router_hidden_layers=0", "method.init_lambda=1", "method.max_steps=0");
        for (String task : List.of("sun397", "eurosat")) {
            assertEquals(itself.get(task).get("accuracy").asDouble(), mixture.get(task).get("accuracy").asDouble(), task);
            // θ0 + τ rounds differently from θ: float32 rounding of O(1) activations through 4 layers
            assertEquals(itself.get(task).get("loss").asDouble(), mixture.get(task).get("loss").asDouble(), 1e-5, task);
        }
    }

    @Test
    void theSavedMixtureEvaluatesAsInTheRunAndInspectDescribesIt() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        TaskPools.writeTwoTasks(temp);
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", clip.resolve("sun397"), "eurosat", clip.resolve("eurosat"));
        long base = inspect(clip.resolve("pretrained")).get("num_parameters").asLong();
        for (String[] method : List.of(new String[] {WEMOE, "wemoe"}, new String[] {SPARSE, "sparse_wemoe"},
                new String[] {RANKONE, "rankone_moe"})) {
            Path saved = temp.resolve(method[1]);
            JsonNode inRun = run(method[1] + ".json", method[0], "method.max_steps=2", "merged_model_save_path=" + saved);
            pool("saved.yaml", "_pretrained_", saved);
            JsonNode reloaded = run(method[1] + "-reloaded.json", "method=dummy", "modelpool=" + temp.resolve("saved.yaml"));
            for (String task : List.of("sun397", "eurosat", "average")) {
                assertEquals(inRun.get(task).get("loss").asDouble(), reloaded.get(task).get("loss").asDouble(), 0.0, method[1] + " " + task);
                assertEquals(inRun.get(task).get("accuracy").asDouble(), reloaded.get(task).get("accuracy").asDouble(), 0.0, method[1]);
            }
            JsonNode description = JSON.readTree(saved.resolve("moe.json").toFile());
            assertEquals(method[1], description.get("kind").asText());
            assertEquals(List.of("sun397", "eurosat"), JSON.convertValue(description.get("experts"), List.class));
            assertTrue(description.get("parameters").get("batch_reduce").asBoolean());
            long total = inRun.get("model_info").get("all_params").asLong();
            assertEquals(total, reloaded.get("model_info").get("all_params").asLong());
            assertEquals(total, inspect(saved).get("num_parameters").asLong());
            CliRunner table = CliRunner.run("inspect", saved.toString());
            assertEquals(0, table.exitCode(), table.err());
            assertTrue(table.out().contains("mixture of 2"), table.out());
            switch (method[1]) {
                // the tower, plus per block two task vectors of the MLP and a router (one shared router for sparse WEMoE)
                case "wemoe" -> {
                    assertEquals(base + 4 * (2 * MLP + ROUTER), total);
                    assertEquals(4 * ROUTER, inRun.get("model_info").get("trainable_params").asLong()); // the routers
                }
                case "sparse_wemoe" -> {
                    assertEquals(base + 4 * 2 * MLP + ROUTER, total);
                    assertTrue(description.get("parameters").get("shared_gate").asBoolean());
                    try (Checkpoint checkpoint = Checkpoint.open(saved)) { // 90 % of each task vector pruned
                        Tensor tau = checkpoint.tensor("vision_model.encoder.layers.1.mlp.task_vectors.0.fc1.weight");
                        long nonZero = 0;
                        for (long i = 0; i < tau.elementCount(); i++) {
                            nonZero += tau.getFloat(i) != 0 ? 1 : 0;
                        }
                        assertEquals(0.1, nonZero / (double) tau.elementCount(), 0.002);
                    }
                }
                // per block: a depth-1 router 64 → 2·32, the stacked bias deltas and 2 tasks' rank-32 factors of fc1, fc2
                default -> assertEquals(base + 4 * ((64 * 64 + 64) + 2 * (256 + 64) + 2 * 2 * 32 * (256 + 64)), total);
            }
        }
    }

    @Test
    void thePerImageEvaluationRuleIsRecordedAndChangesTheNumbers() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        TaskPools.writeTwoTasks(temp);
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", clip.resolve("sun397"), "eurosat", clip.resolve("eurosat"));
        Path batch = temp.resolve("batch");
        Path perImage = temp.resolve("per-image");
        // a large init_lambda and learning rate make the routes differ between images enough to show in the losses
        JsonNode batchRule = run("batch.json", WEMOE, "method.max_steps=3", "method.lr=0.05", "merged_model_save_path=" + batch);
        JsonNode perImageRule = run("image.json", WEMOE, "method.max_steps=3", "method.lr=0.05", "method.eval_per_sample_routing=true",
                "merged_model_save_path=" + perImage);
        assertFalse(JSON.readTree(perImage.resolve("moe.json").toFile()).get("parameters").get("batch_reduce").asBoolean());
        // the same trained routers (training averages over the batch either way), evaluated by different rules
        try (Checkpoint one = Checkpoint.open(batch); Checkpoint other = Checkpoint.open(perImage)) {
            for (amalgam.io.TensorInfo info : one.tensors()) {
                assertArrayEquals(one.tensor(info.name()).toFloatArray(), other.tensor(info.name()).toFloatArray(), info.name());
            }
        }
        assertNotEquals(batchRule.get("average").get("loss").asDouble(), perImageRule.get("average").get("loss").asDouble());
    }

    @Test
    void theMixturesAreByteIdenticalForAnyThreadCount() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        TaskPools.writeTwoTasks(temp);
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", clip.resolve("sun397"), "eurosat", clip.resolve("eurosat"));
        for (String method : List.of(WEMOE, RANKONE, SPARSE)) {
            List<Path> outputs = new ArrayList<>();
            List<JsonNode> reports = new ArrayList<>();
            for (String threads : List.of("1", "2")) {
                String name = method.substring(method.indexOf('/') + 1) + threads;
                Path out = temp.resolve(name);
                Path report = temp.resolve(name + ".json");
                CliRunner result = CliRunner.run("run", "--threads", threads, method, "method.max_steps=3", "modelpool=" + temp.resolve("pool.yaml"),
                        "taskpool=" + temp.resolve("tasks.yaml"), "merged_model_save_path=" + out, "report_save_path=" + report);
                assertEquals(0, result.exitCode(), result.err());
                outputs.add(out);
                reports.add(JSON.readTree(report.toFile()));
            }
            for (String file : List.of("model.safetensors", "moe.json", "config.json")) {
                assertArrayEquals(Files.readAllBytes(outputs.get(0).resolve(file)), Files.readAllBytes(outputs.get(1).resolve(file)),
                        method + " " + file);
            }
            assertEquals(reports.get(0).get("average"), reports.get(1).get("average"), method);
        }
    }

    @Test
    void badParametersAreRefused() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        TaskPools.writeTwoTasks(temp);
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", clip.resolve("sun397"), "eurosat", clip.resolve("eurosat"));
        for (String[] bad : List.of(new String[] {WEMOE, "method.router_hidden_layers=3", "router_hidden_layers"},
                new String[] {WEMOE, "method.optimizer=sgd", "optimizer"},
                new String[] {WEMOE, "method.lr=0", "'lr'"},
                new String[] {WEMOE, "method.checkpoint=" + temp.resolve("nowhere"), "nowhere"},
                new String[] {SPARSE, "method.tv_prune_ratio=1.5", "tv_prune_ratio"},
                new String[] {SPARSE, "method.position_encoding=true method.position_encoding_dim=3", "position_encoding_dim"},
                new String[] {RANKONE, "method.rank_k=0", "rank_k"},
                new String[] {RANKONE, "method.select_k=65", "select_k"})) {
            List<String> arguments = new ArrayList<>(List.of("run", bad[0]));
            arguments.addAll(List.of(bad[1].split(" ")));
            arguments.addAll(List.of("method.max_steps=0", "modelpool=" + temp.resolve("pool.yaml"), "taskpool=" + temp.resolve("tasks.yaml")));
            CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
            assertEquals(2, result.exitCode(), bad[1] + ": " + result.err());
            assertTrue(result.err().contains(bad[2]), result.err());
            assertFalse(result.err().contains("\tat amalgam."), result.err());
        }
    }

    /** A copy of {@code pretrained} with the vision tower of {@code tuned}. */
    private static Path towerOf(Path tuned, Path pretrained, Path out) throws Exception {
        try (Checkpoint base = Checkpoint.open(pretrained); Checkpoint task = Checkpoint.open(tuned)) {
            java.util.Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
            for (amalgam.io.TensorInfo info : base.tensors()) {
                tensors.put(info.name(), (info.name().startsWith("vision_model.") ? task : base).tensor(info.name()));
            }
            amalgam.model.clip.ClipCheckpoints.save(out, tensors, Files.readString(pretrained.resolve("config.json")),
                    amalgam.io.SafetensorsWriter.PT_FORMAT);
        }
        return out;
    }

    private void pool(String file, Object... entries) throws Exception {
        StringBuilder text = new StringBuilder("models:\n");
        for (int i = 0; i < entries.length; i += 2) {
            text.append("  ").append(entries[i]).append(": ").append(entries[i + 1]).append('\n');
        }
        Files.writeString(temp.resolve(file), text.toString());
    }

    private JsonNode run(String reportName, String... arguments) throws Exception {
        Path report = temp.resolve(reportName);
        List<String> all = new ArrayList<>(List.of("run", "--threads", "2", "modelpool=" + temp.resolve("pool.yaml"),
                "taskpool=" + temp.resolve("tasks.yaml"), "report_save_path=" + report));
        all.addAll(List.of(arguments));
        CliRunner result = CliRunner.run(all.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return JSON.readTree(report.toFile());
    }

    private static JsonNode inspect(Path model) throws Exception {
        CliRunner result = CliRunner.run("inspect", model.toString(), "--json");
        assertEquals(0, result.exitCode(), result.err());
        return JSON.readTree(result.out());
    }
}

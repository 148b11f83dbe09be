package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorInfo;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SMILE upscaling end to end on the merge-tiny CLIP towers (width 64, MLP 256, 4 layers) and a two-task pool: a
 * one-expert mixture is its expert, the saved mixture evaluates as in the run and is described by inspect, output is
 * byte-identical for any thread count, and bad parameters or a damaged mixture folder are exit 2 with a sentence.
 */
class SmileRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SMILE = "method=smile_upscaling/smile_upscaling";
    @TempDir
    Path temp;

    @Test
    void aOneExpertMixtureIsThatExpert() throws Exception {
        // FusionBench keeps every non-linear tensor at θ0, so the expert is a task model that changed only its linears
        Path clip = Fixtures.path("merge-tiny/clip");
        Path expert = linearsOf(clip.resolve("sun397"), clip.resolve("pretrained"), temp.resolve("sun397-linears"));
        TaskPools.writeTwoTasks(temp);
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", expert);
        pool("expert.yaml", "sun397", expert);
        JsonNode itself = run("expert.json", "method=dummy", "modelpool=" + temp.resolve("expert.yaml"));
        JsonNode dense = run("dense.json", SMILE, "method.k=-1");
        JsonNode fullRank = run("full.json", SMILE); // k = 128 is clamped to the full rank 64
        for (String task : List.of("sun397", "eurosat")) {
            for (JsonNode mixture : List.of(dense, fullRank)) {
                assertEquals(itself.get(task).get("accuracy").asDouble(), mixture.get(task).get("accuracy").asDouble(), task);
                // W0 x + ΔW x (+ U S Vᵀ x rounding) against W x: float32 rounding of O(1) activations through 4 layers
                assertEquals(itself.get(task).get("loss").asDouble(), mixture.get(task).get("loss").asDouble(), 1e-5, task);
            }
        }
    }

    @Test
    void theSavedMixtureEvaluatesAsInTheRunAndInspectDescribesIt() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        TaskPools.writeTwoTasks(temp);
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", clip.resolve("sun397"), "eurosat", clip.resolve("eurosat"));
        Path saved = temp.resolve("saved");
        JsonNode inRun = run("run.json", SMILE, "method.gate_k=2", "method.k=4", "merged_model_save_path=" + saved);
        pool("saved.yaml", "_pretrained_", saved);
        JsonNode reloaded = run("reloaded.json", "method=dummy", "modelpool=" + temp.resolve("saved.yaml"));
        for (String task : List.of("sun397", "eurosat", "average")) {
            // the same folder through the same forward: identical numbers
            assertEquals(inRun.get(task).get("loss").asDouble(), reloaded.get(task).get("loss").asDouble(), 0.0, task);
            assertEquals(inRun.get(task).get("accuracy").asDouble(), reloaded.get(task).get("accuracy").asDouble(), 0.0, task);
        }
        JsonNode description = JSON.readTree(saved.resolve("moe.json").toFile());
        assertEquals("smile", description.get("kind").asText());
        assertEquals(List.of("sun397", "eurosat"), JSON.convertValue(description.get("experts"), List.class));
        assertEquals(24, description.get("linears").size()); // 6 linears in each of 4 blocks
        for (JsonNode linear : description.get("linears")) {
            assertEquals(2, linear.get("gate_k").asInt());
            assertEquals(4, linear.get("k").asInt());
        }
        // parameters: the pretrained tower, plus per block 5 gates [2·2, 64] and one [2·2, 256], plus two experts per
        // linear: k·(out + in) + out each (576 for 64×64, 1536 for fc1 256×64, 1344 for fc2 64×256)
        long base = inspect(clip.resolve("pretrained")).get("num_parameters").asLong();
        long expertsPerBlock = 4 * 576 + 1536 + 1344;
        long total = base + 4 * (5 * 256 + 1024) + 4 * 2 * expertsPerBlock;
        assertEquals(total, inRun.get("model_info").get("all_params").asLong());
        assertEquals(total, reloaded.get("model_info").get("all_params").asLong());
        JsonNode inspected = inspect(saved);
        assertEquals(total, inspected.get("num_parameters").asLong());
        assertEquals(total - 4 * expertsPerBlock, inspected.get("moe").get("active_parameters_per_token").asLong());
        assertEquals(24, inspected.get("moe").get("linears").size());
        CliRunner table = CliRunner.run("inspect", saved.toString());
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("SMILE mixture of 2 experts"), table.out());
    }

    @Test
    void theMixtureIsByteIdenticalForAnyThreadCountAndModelPathSavesIt() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", clip.resolve("sun397"), "eurosat", clip.resolve("eurosat"),
                "svhn", clip.resolve("svhn"));
        Path one = temp.resolve("one");
        Path two = temp.resolve("two");
        CliRunner first = CliRunner.run("run", "--threads", "1", SMILE, "method.top_k=2", "method.gate_k=3", "method.k=16",
                "modelpool=" + temp.resolve("pool.yaml"), "taskpool=dummy", "merged_model_save_path=" + one);
        assertEquals(0, first.exitCode(), first.err());
        CliRunner second = CliRunner.run("run", "--threads", "2", SMILE, "method.top_k=2", "method.gate_k=3", "method.k=16",
                "modelpool=" + temp.resolve("pool.yaml"), "taskpool=dummy", "merged_model_save_path=" + two);
        assertEquals(0, second.exitCode(), second.err());
        for (String file : List.of("model.safetensors", "moe.json", "config.json")) { // README.md is titled by its folder
            assertArrayEquals(Files.readAllBytes(one.resolve(file)), Files.readAllBytes(two.resolve(file)), file);
        }
        // FusionBench's model_path: where the method saves, when the run has no merged_model_save_path
        Path viaModelPath = temp.resolve("model-path");
        CliRunner third = CliRunner.run("run", SMILE, "method.k=4", "modelpool=" + temp.resolve("pool.yaml"), "taskpool=dummy",
                "method.model_path=" + viaModelPath);
        assertEquals(0, third.exitCode(), third.err());
        assertTrue(Files.isRegularFile(viaModelPath.resolve("moe.json")));
    }

    @Test
    void outOfDomainParametersAreRefused() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", clip.resolve("sun397"), "eurosat", clip.resolve("eurosat"));
        for (String[] bad : List.of(new String[] {"method.gate_k=0", "gate_k"}, new String[] {"method.top_k=0", "top_k"},
                new String[] {"method.top_k=3", "top_k"}, new String[] {"method.k=1.5", "'k'"})) {
            CliRunner result = CliRunner.run("run", SMILE, bad[0], "modelpool=" + temp.resolve("pool.yaml"), "taskpool=dummy");
            assertEquals(2, result.exitCode(), bad[0] + ": " + result.err());
            assertTrue(result.err().contains(bad[1]), result.err());
            assertFalse(result.err().contains("\tat amalgam."), result.err());
        }
    }

    @Test
    void aDamagedMixtureFolderIsBadInput() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        TaskPools.writeTwoTasks(temp);
        pool("pool.yaml", "_pretrained_", clip.resolve("pretrained"), "sun397", clip.resolve("sun397"), "eurosat", clip.resolve("eurosat"));
        Path saved = temp.resolve("saved");
        CliRunner made = CliRunner.run("run", SMILE, "method.k=4", "modelpool=" + temp.resolve("pool.yaml"), "taskpool=dummy",
                "merged_model_save_path=" + saved);
        assertEquals(0, made.exitCode(), made.err());
        ObjectNode good = (ObjectNode) JSON.readTree(saved.resolve("moe.json").toFile());
        Map<String, String> damaged = new LinkedHashMap<>();
        damaged.put("{\"format\": \"amalgam-moe\",", "not valid JSON");
        damaged.put(good.deepCopy().put("kind", "pwe_moe").toString(), "unknown mixture kind");
        damaged.put(good.deepCopy().put("version", 2).toString(), "not an amalgam mixture description");
        ObjectNode extraExpert = good.deepCopy();
        ((ArrayNode) extraExpert.get("experts")).add("svhn");
        damaged.put(extraExpert.toString(), "'vision_model.encoder.layers.0.mlp.fc1.gate.weights' has shape [2, 64] but moe.json needs [3, 64]");
        ObjectNode wrongRank = good.deepCopy();
        ((ObjectNode) wrongRank.get("linears").get(0)).put("k", 5);
        damaged.put(wrongRank.toString(), "needs [256, 5]");
        ObjectNode tooManyRoutes = good.deepCopy();
        ((ObjectNode) tooManyRoutes.get("parameters")).put("top_k", 3);
        damaged.put(tooManyRoutes.toString(), "top_k 3");
        int i = 0;
        for (Map.Entry<String, String> entry : damaged.entrySet()) {
            Path folder = Files.createDirectories(temp.resolve("damaged" + i++));
            for (String file : List.of("model.safetensors", "config.json")) {
                Files.copy(saved.resolve(file), folder.resolve(file));
            }
            Files.writeString(folder.resolve("moe.json"), entry.getKey());
            pool("damaged.yaml", "_pretrained_", folder);
            CliRunner evaluated = CliRunner.run("run", "method=dummy", "modelpool=" + temp.resolve("damaged.yaml"),
                    "taskpool=" + temp.resolve("tasks.yaml"));
            assertEquals(2, evaluated.exitCode(), entry.getValue() + ": " + evaluated.err());
            assertTrue(evaluated.err().contains(entry.getValue()), evaluated.err());
            assertFalse(evaluated.err().contains("\tat amalgam."), evaluated.err());
            CliRunner inspected = CliRunner.run("inspect", folder.toString(), "--json");
            assertEquals(2, inspected.exitCode(), entry.getValue() + ": " + inspected.err());
        }
        pool("fused.yaml", "_pretrained_", saved, "sun397", clip.resolve("sun397"));
        CliRunner merged = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + temp.resolve("fused.yaml"), "taskpool=dummy");
        assertEquals(2, merged.exitCode(), merged.err());
        assertTrue(merged.err().contains("saved mixture of experts"), merged.err());
    }

    /** A copy of {@code pretrained} with the encoder linears (weights and biases) of {@code tuned}. */
    private static Path linearsOf(Path tuned, Path pretrained, Path out) throws Exception {
        try (Checkpoint base = Checkpoint.open(pretrained); Checkpoint task = Checkpoint.open(tuned)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorInfo info : base.tensors()) {
                boolean linear = info.name().matches(".*encoder\\.layers\\.\\d+\\.(self_attn\\.\\w+_proj|mlp\\.fc\\d)\\.(weight|bias)");
                tensors.put(info.name(), (linear ? task : base).tensor(info.name()));
            }
            ClipCheckpoints.save(out, tensors, Files.readString(pretrained.resolve("config.json")), SafetensorsWriter.PT_FORMAT);
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

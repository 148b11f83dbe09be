package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.fusion.taskpool.TaskMetrics;
import amalgam.io.Checkpoint;
import amalgam.io.SafetensorsWriter;
import amalgam.io.YamlDocuments;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench's published CLIP pools mix a full {@code CLIPModel} (text tower, projections, logit_scale) as
 * {@code _pretrained_} with vision-only {@code CLIPVisionModel} fine-tunes. A run reads every entry as a vision tower,
 * as FusionBench does: the fused model is a CLIPVisionModel whose tensors equal the direct computation, and it (and
 * the vision-only reference models) are evaluated with the pretrained CLIP's projection.
 */
class ClipVisionPoolRunTest {
    private static final float LAMBDA = 0.5f;

    @TempDir
    static Path root;

    @BeforeAll
    static void pools() throws Exception {
        TinyTrainPools.write(root, 4);
        Path fixture = amalgam.testing.Fixtures.path("merge-tiny/clip");
        try (Arena arena = Arena.ofConfined()) {
            // the pretrained model as a full CLIPModel: the vision model's tensors plus a small text side
            Map<String, Tensor> full = read(fixture.resolve("pretrained"), arena, name -> true);
            full.put("text_projection.weight", Tensor.allocate(arena, amalgam.tensor.DType.F32, Shape.of(32, 16)));
            full.put("text_model.final_layer_norm.weight", Tensor.allocate(arena, amalgam.tensor.DType.F32, Shape.of(16)));
            full.put("logit_scale", Tensor.allocate(arena, amalgam.tensor.DType.F32, Shape.of(new long[0])));
            ObjectNode config = (ObjectNode) new ObjectMapper().readTree(fixture.resolve("pretrained/config.json").toFile());
            ObjectNode clipConfig = new ObjectMapper().createObjectNode();
            clipConfig.putArray("architectures").add("CLIPModel");
            clipConfig.put("model_type", "clip");
            clipConfig.put("projection_dim", 32);
            clipConfig.set("vision_config", config);
            ClipCheckpoints.save(root.resolve("clip-full"), full, clipConfig.toPrettyString(), SafetensorsWriter.PT_FORMAT);
            for (String task : TinyTrainPools.TASKS) {
                Map<String, Tensor> tower = read(fixture.resolve(task), arena, name -> name.startsWith("vision_model."));
                ObjectNode vision = config.deepCopy();
                vision.putArray("architectures").add("CLIPVisionModel");
                ClipCheckpoints.save(root.resolve("vision-" + task), tower, vision.toPrettyString(), SafetensorsWriter.PT_FORMAT);
            }
        }
        Files.writeString(root.resolve("mixed.yaml"), "_target_: fusion_bench.modelpool.CLIPVisionModelPool\nmodels:\n"
                + "  _pretrained_: " + root.resolve("clip-full") + "\n"
                + "  sun397: " + root.resolve("vision-sun397") + "\n"
                + "  eurosat: " + root.resolve("vision-eurosat") + "\n");
    }

    @Test
    void theFusedModelIsTheVisionTowerAndEqualsTheDirectComputation() throws Exception {
        Path out = root.resolve("fused");
        Path report = root.resolve("report.json");
        CliRunner result = CliRunner.run("run", "--threads", "2", "modelpool=" + root.resolve("mixed.yaml"),
                "taskpool=" + root.resolve("tasks.yaml"), "method=task_arithmetic", "method.scaling_factor=" + LAMBDA,
                "merged_model_save_path=" + out, "report_save_path=" + report, "reference=true");
        assertEquals(0, result.exitCode(), result.err());
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("clip_vision_model", config.get("model_type").asText());
        assertEquals("CLIPVisionModel", config.get("architectures").get(0).asText());
        assertEquals(64, config.get("hidden_size").asInt());

        Path expected = root.resolve("expected");
        try (Arena arena = Arena.ofConfined(); Checkpoint fused = Checkpoint.open(out)) {
            Map<String, Tensor> pretrained = read(root.resolve("clip-full"), arena, name -> name.startsWith("vision_model."));
            assertEquals(pretrained.keySet(), names(fused), "exactly the vision tower");
            Map<String, Tensor> direct = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> entry : pretrained.entrySet()) {
                float[] base = entry.getValue().toFloatArray();
                float[] sum = base.clone();
                for (String task : TinyTrainPools.TASKS) {
                    float[] tuned = read(root.resolve("vision-" + task), arena, entry.getKey()::equals).get(entry.getKey()).toFloatArray();
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += LAMBDA * (tuned[i] - base[i]);
                    }
                }
                float[] got = fused.tensor(entry.getKey()).toFloatArray();
                for (int i = 0; i < sum.length; i++) {
                    // float32 sums in another order: a few ulps
                    assertEquals(sum[i], got[i], 1e-5f * Math.max(1f, Math.abs(sum[i])), entry.getKey() + "[" + i + "]");
                }
                direct.put(entry.getKey(), Tensor.ofFloats(got, entry.getValue().shape().toArray()));
            }
            // the fused tower with the pretrained CLIP's projection, evaluated directly
            direct.put("visual_projection.weight", read(root.resolve("clip-full"), arena, "visual_projection.weight"::equals)
                    .get("visual_projection.weight"));
            ClipCheckpoints.save(expected, direct, Files.readString(amalgam.testing.Fixtures.path("merge-tiny/clip/pretrained/config.json")),
                    SafetensorsWriter.PT_FORMAT);
        }
        Path tasks = root.resolve("tasks.yaml");
        Map<String, TaskMetrics> direct = ImageTaskPool.fromDocument(YamlDocuments.read(tasks, "task pool"), tasks).evaluate(expected, 2);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        for (String task : TinyTrainPools.TASKS) {
            assertEquals(direct.get(task).accuracy(), json.get(task).get("accuracy").asDouble(), 1e-12, task);
            assertEquals(direct.get(task).loss(), json.get(task).get("loss").asDouble(), 1e-9, task);
        }
        assertTrue(json.get("reference").get("individual").has("sun397"), "vision-only fine-tunes are evaluated too");
    }

    @Test
    void aMixedPoolWithoutTargetIsReadAsVisionTowersToo() {
        Path plain = root.resolve("plain.yaml");
        try {
            Files.writeString(plain, Files.readString(root.resolve("mixed.yaml")).replace("_target_: fusion_bench.modelpool.CLIPVisionModelPool\n", ""));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CliRunner result = CliRunner.run("run", "modelpool=" + plain, "method=simple_average", "taskpool=dummy",
                "merged_model_save_path=" + root.resolve("averaged"));
        assertEquals(0, result.exitCode(), result.err());
        try (Checkpoint fused = Checkpoint.open(root.resolve("averaged"))) {
            assertTrue(names(fused).stream().allMatch(name -> name.startsWith("vision_model.")), names(fused).toString());
        }
    }

    @Test
    void dataDependentMethodsRunOnTheMixedPool() {
        for (String method : List.of("method=regmean/clip_regmean", "method=fisher_merging/clip_fisher_merging")) {
            CliRunner result = CliRunner.run("run", "--threads", "2", "modelpool=" + root.resolve("mixed.yaml"),
                    "taskpool=" + root.resolve("tasks.yaml"), method);
            assertEquals(0, result.exitCode(), method + ": " + result.err());
        }
    }

    private static java.util.Set<String> names(Checkpoint checkpoint) {
        return checkpoint.tensors().stream().map(amalgam.io.TensorInfo::name).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    private static Map<String, Tensor> read(Path directory, Arena arena, java.util.function.Predicate<String> names) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            for (String name : names(checkpoint)) {
                if (names.test(name)) {
                    Tensor stored = checkpoint.tensor(name);
                    tensors.put(name, Tensor.ofFloats(stored.toFloatArray(), stored.shape().toArray()));
                }
            }
        }
        return tensors;
    }
}

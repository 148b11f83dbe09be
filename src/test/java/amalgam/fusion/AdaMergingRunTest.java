package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.cli.Main;
import amalgam.data.synthetic.SyntheticDataset;
import amalgam.io.SafetensorsFile;
import amalgam.io.TensorInfo;
import amalgam.testing.Fixtures;
import amalgam.testing.TinyTaskData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AdaMerging end to end through {@code amalgam run} on a tiny task pool YAML: the fixture's small CLIP vision models
 * (pretrained, sun397, eurosat; width 64, 4 layers, 32 px) with two synthetic image folders and random heads.
 */
class AdaMergingRunTest {
    private static final String TOWER_TENSOR = "vision_model.encoder.layers.1.mlp.fc1.weight";

    @TempDir
    Path temp;

    @BeforeEach
    void pools() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  eurosat: " + clip.resolve("eurosat") + "\n");
        writeTask("sun397", "shapes");
        writeTask("eurosat", "orientation");
        Files.writeString(temp.resolve("tasks.yaml"), """
                tasks:
                  sun397: {test: sun397, head: sun397.safetensors}
                  eurosat: {test: eurosat, head: eurosat.safetensors}
                batch_size: 5
                """);
    }

    @Test
    void learnsSavesAndReloadsLayerWiseWeightsWithoutTraining() throws Exception {
        Run trained = run("out", "2", "method=adamerging/clip", "method.max_steps=4", "method.batch_size=5");
        assertEquals(0, trained.code(), trained.err());
        assertTrue(trained.err().contains("4 steps in"), trained.err());
        Path table = temp.resolve("out/merging_weights.safetensors");
        assertTrue(Files.isRegularFile(table));
        JsonNode learned = trained.report().get("learned").get("merging_weights");
        assertEquals(71, learned.get("columns").size()); // 3 embeddings + 2 pre-LN + 4 layers x 16 + 2 post-LN
        assertEquals(TOWER_TENSOR, learned.get("columns").get(3 + 2 + 16 + 12).asText());
        for (String model : new String[] {"sun397", "eurosat"}) {
            assertEquals(71, learned.get("rows").get(model).size());
            assertNotEquals(0.3, learned.get("rows").get(model).get(0).asDouble(), 1e-6, "trained away from the init");
        }
        Run reloaded = run("again", "2", "method=adamerging/clip", "method.weights=" + table);
        assertEquals(0, reloaded.code(), reloaded.err());
        assertFalse(reloaded.err().contains("steps in"), "no training when weights are given: " + reloaded.err());
        assertEquals(tensors(temp.resolve("out")), tensors(temp.resolve("again")));
        assertEquals(learned, reloaded.report().get("learned").get("merging_weights"));
    }

    @Test
    void loadsFusionBenchTorchSavedWeightsInTorchParameterOrder() throws Exception {
        Path saved = Fixtures.path("fusionbench-weights");
        Run layer = run("layer", "2", "method=adamerging/clip_layer_wise_adamerging", "method.weights=" + saved.resolve("layer_wise.pt"));
        Run task = run("task", "2", "method=adamerging/clip_task_wise_adamerging", "method.weights=" + saved.resolve("task_wise.pt"));
        assertEquals(0, layer.code(), layer.err());
        assertEquals(0, task.code(), task.err());
        Path clip = Fixtures.path("merge-tiny/clip");
        float[] theta0 = tensor(clip.resolve("pretrained"), TOWER_TENSOR);
        float[] theta1 = tensor(clip.resolve("sun397"), TOWER_TENSOR);
        float[] theta2 = tensor(clip.resolve("eurosat"), TOWER_TENSOR);
        // torch lists a CLIP encoder layer's parameters as k, v, q, out projections, layer_norm1, fc1, fc2, layer_norm2:
        // layers.1.mlp.fc1.weight is parameter 3 + 2 + 16 + 10 = 31
        float sun = 0.1f + 0.01f * 31;
        float euro = 0.1f + 0.01f * 31 + 0.2f;
        float[] layerWise = tensor(temp.resolve("layer"), TOWER_TENSOR);
        float[] taskWise = tensor(temp.resolve("task"), TOWER_TENSOR);
        for (int i = 0; i < theta0.length; i++) {
            float tau1 = theta1[i] - theta0[i];
            float tau2 = theta2[i] - theta0[i];
            assertEquals(theta0[i] + sun * tau1 + euro * tau2, layerWise[i], 1e-6f, "layer-wise at " + i);
            assertEquals(theta0[i] + 0.25f * tau1 + 0.45f * tau2, taskWise[i], 1e-6f, "task-wise at " + i);
        }
        Run mismatch = run(null, "2", "method=adamerging/clip_task_wise_adamerging", "method.weights=" + saved.resolve("layer_wise.pt"));
        assertEquals(2, mismatch.code(), mismatch.err());
        assertTrue(mismatch.err().contains("[2, 71]") && mismatch.err().contains("needs [2]"), mismatch.err());
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() throws Exception {
        for (String method : new String[] {"adamerging/clip_layer_wise_adamerging", "adamerging/clip_task_wise_adamerging"}) {
            Run one = run("one", "1", "method=" + method, "method.max_steps=3");
            Run two = run("two", "2", "method=" + method, "method.max_steps=3");
            assertEquals(0, one.code(), one.err());
            assertEquals(0, two.code(), two.err());
            assertEquals(tensors(temp.resolve("one")), tensors(temp.resolve("two")), method);
            assertEquals(one.report().get("learned"), two.report().get("learned"), method);
            deleteTree(temp.resolve("one"));
            deleteTree(temp.resolve("two"));
        }
    }

    @Test
    void clampWeightsClampsTheCoefficientsInsideTheMerge() throws Exception {
        Run clamped = run("clamped", "2", "method=adamerging/clip_task_wise_adamerging", "method.max_steps=0",
                "method.init_values=1.7", "method.clamp_weights=true");
        Run free = run("free", "2", "method=adamerging/clip_task_wise_adamerging", "method.max_steps=0", "method.init_values=1.7");
        assertEquals(0, clamped.code(), clamped.err());
        assertEquals(0, free.code(), free.err());
        Path clip = Fixtures.path("merge-tiny/clip");
        float[] theta0 = tensor(clip.resolve("pretrained"), TOWER_TENSOR);
        float[] theta1 = tensor(clip.resolve("sun397"), TOWER_TENSOR);
        float[] theta2 = tensor(clip.resolve("eurosat"), TOWER_TENSOR);
        float[] atOne = tensor(temp.resolve("clamped"), TOWER_TENSOR);
        float[] atInit = tensor(temp.resolve("free"), TOWER_TENSOR);
        for (int i = 0; i < theta0.length; i++) {
            float tau1 = theta1[i] - theta0[i];
            float tau2 = theta2[i] - theta0[i];
            assertEquals(theta0[i] + tau1 + tau2, atOne[i], 1e-6f, "clamped to 1 at " + i);
            assertEquals(theta0[i] + 1.7f * tau1 + 1.7f * tau2, atInit[i], 1e-6f, "unclamped 1.7 at " + i);
        }
        // the saved table holds the coefficients themselves, not their clamped values
        assertEquals(1.7, clamped.report().get("learned").get("merging_weights").get("rows").get("sun397").get(0).asDouble(), 1e-6);
        // visual_projection is the pretrained one, never merged
        assertArrayEquals(tensor(clip.resolve("pretrained"), "visual_projection.weight"),
                tensor(temp.resolve("clamped"), "visual_projection.weight"));
    }

    @Test
    void concreteTaskArithmeticLearnsAMaskReproducibly() throws Exception {
        String method = "method=concrete_subspace/clip_concrete_task_arithmetic";
        Run one = run("one", "1", method, "method.max_steps=3");
        Run two = run("two", "2", method, "method.max_steps=3");
        assertEquals(0, one.code(), one.err());
        assertEquals(0, two.code(), two.err());
        assertTrue(one.err().contains("3 steps in"), one.err());
        assertEquals(tensors(temp.resolve("one")), tensors(temp.resolve("two")));
        JsonNode keep = one.report().get("learned").get("mask_keep_probability");
        assertEquals(71, keep.get("columns").size());
        assertNotEquals(0.5, keep.get("rows").get("mask").get(0).asDouble(), 1e-7, "trained away from sigmoid(0)");
        // the mask logits are saved beside the model and a later run starts from them without training
        Path logits = temp.resolve("one/mask_logits.safetensors");
        assertTrue(Files.isRegularFile(logits));
        Run loaded = run("loaded", "1", method, "method.mask_checkpoint=" + logits);
        assertEquals(0, loaded.code(), loaded.err());
        assertFalse(loaded.err().contains("steps in"), "no training from a checkpoint: " + loaded.err());
        assertEquals(keep, loaded.report().get("learned").get("mask_keep_probability"));
        assertArrayEquals(Files.readAllBytes(logits), Files.readAllBytes(temp.resolve("loaded/mask_logits.safetensors")));
        Run adaMerging = run("phase2", "1", "method=concrete_subspace/clip_concrete_task_wise_adamerging",
                "method.mask_checkpoint=" + logits, "method.max_adamerging_steps=1");
        assertEquals(0, adaMerging.code(), adaMerging.err());
        assertFalse(adaMerging.err().contains("(mask)"), "phase 1 skipped: " + adaMerging.err());
        assertEquals(keep, adaMerging.report().get("learned").get("mask_keep_probability"));
        Run foreign = run(null, "1", method, "method.mask_checkpoint=" + temp.resolve("one/mask_keep_probability.safetensors"));
        assertEquals(2, foreign.code(), foreign.err());
        assertTrue(foreign.err().contains("mask_checkpoint"), foreign.err());
        Run bad = run(null, "1", method, "method.eval_mask_type=hard");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("valid: continuous, discrete"), bad.err());
    }

    @Test
    void concreteAdaMergingRunsBothPhasesReproduciblyOnAnyThreadCount() throws Exception {
        for (String variant : new String[] {"task", "layer"}) {
            String method = "method=concrete_subspace/clip_concrete_" + variant + "_wise_adamerging";
            Run one = run("one", "1", method, "method.max_steps=2", "method.max_adamerging_steps=3");
            Run two = run("two", "2", method, "method.max_steps=2", "method.max_adamerging_steps=3");
            assertEquals(0, one.code(), one.err());
            assertEquals(0, two.code(), two.err());
            assertTrue(one.err().contains("(mask): 2 steps in"), one.err());
            assertTrue(one.err().contains("3 steps in"), one.err());
            assertEquals(tensors(temp.resolve("one")), tensors(temp.resolve("two")), variant);
            assertEquals(one.report().get("learned"), two.report().get("learned"), variant);
            JsonNode keep = one.report().get("learned").get("mask_keep_probability");
            assertEquals(71, keep.get("columns").size());
            assertNotEquals(0.5, keep.get("rows").get("mask").get(0).asDouble(), 1e-7, "the mask trained away from sigmoid(0)");
            JsonNode weights = one.report().get("learned").get("merging_weights");
            assertEquals(variant.equals("task") ? 1 : 71, weights.get("columns").size());
            assertNotEquals(0.3, weights.get("rows").get("sun397").get(0).asDouble(), 1e-6, "phase 2 trained the coefficients");
            assertTrue(Files.isRegularFile(temp.resolve("one/merging_weights.safetensors")));
            deleteTree(temp.resolve("one"));
            deleteTree(temp.resolve("two"));
        }
    }

    @Test
    void concreteAdaMergingWithAnAllOnesMaskIsAdaMerging() throws Exception {
        // logits of 30: every sample of sigmoid((30 + noise) / 0.5) is 1 in float32, so m~ = 1 and phase 2 is plain
        // AdaMerging from the same start on the same batch stream
        Run concrete = run("concrete", "2", "method=concrete_subspace/clip_concrete_layer_wise_adamerging", "method.max_steps=0",
                "method.initial_logits=30", "method.max_adamerging_steps=3", "method.adamerging_lr=0.01", "method.scaling_factor=0.4");
        Run plain = run("plain", "2", "method=adamerging/clip_layer_wise_adamerging", "method.max_steps=3", "method.lr=0.01",
                "method.init_values=0.4");
        assertEquals(0, concrete.code(), concrete.err());
        assertEquals(0, plain.code(), plain.err());
        assertEquals(tensors(temp.resolve("plain")), tensors(temp.resolve("concrete")));
        assertEquals(plain.report().get("learned").get("merging_weights"), concrete.report().get("learned").get("merging_weights"));
    }

    @Test
    void badParameterValuesExitTwoListingTheValidOnes() throws Exception {
        Run name = run(null, "1", "method=adamerging/clip", "method.name=clip_adamerging");
        assertEquals(2, name.code());
        assertTrue(name.err().contains("clip_layer_wise_adamerging") && name.err().contains("clip_task_wise_adamerging"), name.err());
        Run optimizer = run(null, "1", "method=adamerging/clip", "method.optimizer=sgd");
        assertEquals(2, optimizer.code());
        assertTrue(optimizer.err().contains("valid: adam"), optimizer.err());
        Run rate = run(null, "1", "method=adamerging/clip", "method.lr=0");
        assertEquals(2, rate.code());
        assertTrue(rate.err().contains("'lr'"), rate.err());
        Run missing = run(null, "1", "method=adamerging/clip", "method.weights=" + temp.resolve("nowhere.safetensors"));
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nowhere.safetensors"), missing.err());
        assertFalse(missing.err().contains("\tat "), "no stack trace: " + missing.err());
    }

    private record Run(int code, String err, JsonNode report) {
    }

    private Run run(String output, String threads, String... arguments) throws Exception {
        Path report = temp.resolve("report-" + System.nanoTime() + ".json");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--threads", threads,
                "modelpool=" + temp.resolve("pool.yaml"), "taskpool=" + temp.resolve("tasks.yaml"), "report_save_path=" + report));
        if (output != null) {
            args.add("merged_model_save_path=" + temp.resolve(output));
        }
        args.addAll(java.util.List.of(arguments));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.io.PrintStream standardError = System.err;
        java.io.ByteArrayOutputStream training = new java.io.ByteArrayOutputStream();
        int code;
        System.setErr(new java.io.PrintStream(training, true, java.nio.charset.StandardCharsets.UTF_8)); // the training summary
        try {
            code = Main.execute(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        } finally {
            System.setErr(standardError);
        }
        return new Run(code, err + training.toString(java.nio.charset.StandardCharsets.UTF_8),
                Files.exists(report) ? new ObjectMapper().readTree(report.toFile()) : null);
    }

    /** Every tensor of a model folder's model.safetensors, as lists of floats by name. */
    private static Map<String, java.util.List<Float>> tensors(Path directory) {
        Map<String, java.util.List<Float>> all = new LinkedHashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(directory.resolve("model.safetensors"))) {
            for (TensorInfo info : file.tensors()) {
                java.util.List<Float> values = new java.util.ArrayList<>();
                for (float value : file.tensor(info.name()).toFloatArray()) {
                    values.add(value);
                }
                all.put(info.name(), values);
            }
        }
        return all;
    }

    private static float[] tensor(Path directory, String name) {
        try (SafetensorsFile file = SafetensorsFile.open(directory.resolve("model.safetensors"))) {
            return file.tensor(name).toFloatArray();
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private void writeTask(String name, String synthetic) {
        TinyTaskData.writeImages(temp.resolve(name), synthetic, SyntheticDataset.Split.TEST, 12);
        TinyTaskData.randomHead(name).save(temp.resolve(name + ".safetensors"));
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.MethodRegistry;
import amalgam.io.Checkpoint;
import amalgam.io.HubCache;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorInfo;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import amalgam.testing.HubCacheFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench's documented command lines for the CLIP TA8 and TALL pools, run with {@code fusion_bench} replaced by
 * {@code amalgam run}, against a Hugging Face cache that holds tiny stand-ins under the published repo ids: the
 * pretrained CLIPModel ({@code openai/clip-vit-base-patch32}, the clip-tiny fixture), twenty vision-only fine-tunes
 * ({@code tanganke/clip-vit-base-patch32_TASK}) and the twenty datasets (test and train splits) as parquet, and
 * fer2013 as the WebDataset FusionBench reads. Every
 * method amalgam has runs on it; the merged vision model equals a direct computation.
 */
class FusionBenchCommandLinesTest {
    private static final List<String> TA8 = List.of("sun397", "stanford-cars", "resisc45", "eurosat", "svhn", "gtsrb", "mnist", "dtd");
    private static final List<String> TALL20 = List.of("sun397", "stanford-cars", "resisc45", "eurosat", "svhn", "gtsrb", "mnist", "dtd",
            "oxford_flowers102", "pcam", "fer2013", "oxford-iiit-pet", "stl10", "cifar100", "cifar10", "food101", "fashion_mnist",
            "emnist_letters", "kmnist", "rendered-sst2");
    /** Where FusionBench's dataset configs load each task from (fer2013: a WebDataset; food101 tests on validation). */
    private static final Map<String, String> DATASETS = Map.ofEntries(Map.entry("sun397", "tanganke/sun397"),
            Map.entry("stanford-cars", "tanganke/stanford_cars"), Map.entry("resisc45", "tanganke/resisc45"),
            Map.entry("eurosat", "tanganke/eurosat"), Map.entry("svhn", "ufldl-stanford/svhn"), Map.entry("gtsrb", "tanganke/gtsrb"),
            Map.entry("mnist", "ylecun/mnist"), Map.entry("dtd", "tanganke/dtd"), Map.entry("oxford_flowers102", "dpdl-benchmark/oxford_flowers102"),
            Map.entry("pcam", "1aurent/PatchCamelyon"), Map.entry("fer2013", "clip-benchmark/wds_fer2013"),
            Map.entry("oxford-iiit-pet", "timm/oxford-iiit-pet"), Map.entry("stl10", "tanganke/stl10"), Map.entry("cifar100", "tanganke/cifar100"),
            Map.entry("cifar10", "tanganke/cifar10"), Map.entry("food101", "ethz/food101"), Map.entry("fashion_mnist", "zalando-datasets/fashion_mnist"),
            Map.entry("emnist_letters", "tanganke/emnist_letters"), Map.entry("kmnist", "tanganke/kmnist"),
            Map.entry("rendered-sst2", "nateraw/rendered-sst2"));
    private static final String POOL = "modelpool=CLIPVisionModelPool/clip-vit-base-patch32_TA8";
    private static final String TASKS = "taskpool=CLIPVisionModelTaskPool/clip-vit-classification_TA8";
    /** Methods whose FusionBench configs fit pools of another size, with the reason. */
    private static final Map<String, String> NOT_ON_MANY = Map.ofEntries(
            Map.entry("slerp/slerp", "interpolates exactly two models"),
            Map.entry("slerp/slerp_lm", "interpolates exactly two models"),
            Map.entry("linear/weighted_average", "its default weights are for two models"),
            Map.entry("depth_upscaling", "upscales one model, and its default layer_indices (null) selects no layer"),
            Map.entry("mixtral_moe_upscaling", "builds a Mixtral from a LLaMA or Mistral model"),
            Map.entry("mixtral_moe_merging", "builds a Mixtral from LLaMA or Mistral models"),
            Map.entry("smile_upscaling/smile_mistral_upscaling", "upscales the projections of Mistral decoders"),
            Map.entry("smile_upscaling/smile_qwen2_upscaling", "upscales the projections of Qwen2 decoders"),
            Map.entry("regmean/gpt2_regmean", "merges GPT-2 classifiers on a language task pool"),
            Map.entry("fisher_merging/gpt2_fisher_merging", "merges GPT-2 classifiers on a language task pool"),
            Map.entry("adamerging/layer_wise_gpt2", "merges GPT-2 classifiers on a language task pool"));

    @TempDir
    static Path root;
    private static String previousHub;
    private static String previousCache;

    @BeforeAll
    static void hubCache() throws Exception {
        Path hub = Files.createDirectories(root.resolve("hub"));
        HubCacheFixture.addClipModel(hub, "openai/clip-vit-base-patch32", root);
        Path clip = Fixtures.clipTiny();
        ObjectNode vision = (ObjectNode) new ObjectMapper().readTree(clip.resolve("config.json").toFile()).get("vision_config").deepCopy();
        vision.putArray("architectures").add("CLIPVisionModel");
        vision.put("model_type", "clip_vision_model");
        for (int t = 0; t < TALL20.size(); t++) {
            String task = TALL20.get(t);
            Map<String, Tensor> tuned = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> tensor : tower(clip).entrySet()) {
                float[] values = tensor.getValue().clone();
                for (int i = 0; i < values.length; i++) {
                    values[i] += 0.01f * (float) Math.sin(31 * t + 7 * i); // a small, task-specific fine-tune
                }
                tuned.put(tensor.getKey(), Tensor.ofFloats(values, shape(clip, tensor.getKey())));
            }
            Path saved = root.resolve("tuned-" + t);
            ClipCheckpoints.save(saved, tuned, vision.toPrettyString(), SafetensorsWriter.PT_FORMAT);
            HubCacheFixture.addRepo(hub, HubCache.RepoType.MODEL.folderName("tanganke/clip-vit-base-patch32_" + task), "beef" + t,
                    Map.of("config.json", Files.readAllBytes(saved.resolve("config.json")),
                            "model.safetensors", Files.readAllBytes(saved.resolve("model.safetensors"))));
            int[] testLabels = {0, 1, 1, 0, 1, 0};
            int[] trainLabels = {1, 0, 0, 1};
            Map<String, byte[]> files;
            if (task.equals("fer2013")) {
                files = Map.of("test/0.tar", HubCacheFixture.webDatasetShard(images(10 * t, 6), testLabels),
                        "train/0.tar", HubCacheFixture.webDatasetShard(images(10 * t + 100, 4), trainLabels));
            } else {
                String folder = task.equals("svhn") ? "cropped_digits" : "data";
                String test = task.equals("food101") ? "validation" : "test";
                files = Map.of(folder + "/" + test + "-00000-of-00001.parquet", HubCacheFixture.parquet(root, images(10 * t, 6), testLabels, null, 4),
                        folder + "/train-00000-of-00001.parquet", HubCacheFixture.parquet(root, images(10 * t + 100, 4), trainLabels, null, 4));
            }
            HubCacheFixture.addRepo(hub, HubCache.RepoType.DATASET.folderName(DATASETS.get(task)), "d" + t, files);
        }
        previousHub = System.setProperty("amalgam.hub.cache", hub.toString());
        previousCache = System.setProperty("amalgam.cache", root.resolve("cache").toString());
    }

    @AfterAll
    static void restore() {
        restore("amalgam.hub.cache", previousHub);
        restore("amalgam.cache", previousCache);
    }

    @Test
    void theGetStartedCommandMergesTheVisionTowersExactly() throws Exception {
        Path out = root.resolve("ta-out");
        Path report = root.resolve("ta.json");
        CliRunner result = CliRunner.run("run", "--threads", "2", "method=task_arithmetic", "method.scaling_factor=0.3", POOL, TASKS,
                "merged_model_save_path=" + out, "report_save_path=" + report);
        assertEquals(0, result.exitCode(), result.err());
        Path clip = Fixtures.clipTiny();
        Map<String, float[]> base = tower(clip);
        try (Checkpoint fused = Checkpoint.open(out)) {
            assertEquals(base.keySet(), Set.copyOf(fused.tensors().stream().map(TensorInfo::name).toList()), "the vision tower only");
            for (Map.Entry<String, float[]> tensor : base.entrySet()) {
                float[] got = fused.tensor(tensor.getKey()).toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    double sum = 0;
                    for (int t = 0; t < TA8.size(); t++) {
                        sum += (tensor.getValue()[i] + 0.01f * (float) Math.sin(31 * t + 7 * i)) - tensor.getValue()[i];
                    }
                    // float32 sums of eight small differences: a few ulps of the weight
                    assertEquals(tensor.getValue()[i] + 0.3 * sum, got[i], 1e-6 * Math.max(1, Math.abs(got[i])), tensor.getKey() + "[" + i + "]");
                }
            }
        }
        assertEquals("CLIPVisionModel", new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("architectures").get(0).asText());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        for (String task : TA8) {
            double accuracy = json.get(task).get("accuracy").asDouble();
            assertTrue(accuracy >= 0 && accuracy <= 1 && accuracy * 6 == Math.rint(accuracy * 6), task + ": " + accuracy);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TA8", "TALL20"})
    void everyMethodRunsOnThePublishedCommandLine(String tasks) {
        String pool = "modelpool=CLIPVisionModelPool/clip-vit-base-patch32_" + tasks;
        String taskPool = "taskpool=CLIPVisionModelTaskPool/clip-vit-classification_" + tasks;
        List<String> failures = new ArrayList<>();
        for (MethodDeclaration method : MethodRegistry.builtIns()) {
            if (NOT_ON_MANY.containsKey(method.configName())) {
                continue;
            }
            CliRunner result = CliRunner.run("run", "--threads", "2", "method=" + method.configName(), pool, taskPool, "fast_dev_run=true");
            if (result.exitCode() != 0) {
                failures.add(method.configName() + ": " + result.err());
            }
        }
        assertEquals(List.of(), failures);
        for (Map.Entry<String, String> excluded : NOT_ON_MANY.entrySet()) {
            CliRunner result = CliRunner.run("run", "method=" + excluded.getKey(), pool, taskPool, "fast_dev_run=true");
            assertEquals(2, result.exitCode(), excluded.getKey() + " " + excluded.getValue() + ": a clear refusal\n" + result.err());
        }
    }

    @Test
    void theTallPoolsRunTheirDocumentedCommand() throws Exception {
        for (String tall : List.of("TALL14", "TALL20")) {
            Path report = root.resolve(tall + ".json");
            CliRunner result = CliRunner.run("run", "--threads", "2", "method=task_arithmetic", "method.scaling_factor=0.3",
                    "modelpool=CLIPVisionModelPool/clip-vit-base-patch32_" + tall, "taskpool=CLIPVisionModelTaskPool/clip-vit-classification_" + tall,
                    "report_save_path=" + report);
            assertEquals(0, result.exitCode(), tall + ": " + result.err());
            JsonNode json = new ObjectMapper().readTree(report.toFile());
            for (String task : TALL20.subList(0, tall.equals("TALL14") ? 14 : 20)) {
                assertTrue(json.has(task), tall + " evaluates " + task);
            }
        }
        // a data-dependent method reads the model pool's train datasets, fer2013's WebDataset among them
        CliRunner regmean = CliRunner.run("run", "--threads", "2", "method=regmean/clip_regmean", "fast_dev_run=true",
                "modelpool=CLIPVisionModelPool/clip-vit-base-patch32_TALL14", "taskpool=CLIPVisionModelTaskPool/clip-vit-classification_TALL14");
        assertEquals(0, regmean.exitCode(), regmean.err());
    }

    @Test
    void hydraOptionsOfTheDocsWork() throws Exception {
        // the AdaMerging page's command: a log directory, the task-wise variant chosen by name, the weights saved
        Path logDir = root.resolve("outputs/ViT-B-32/task_wise_adamerging");
        CliRunner ada = CliRunner.run("run", "path.log_dir=" + logDir, "method=adamerging/clip", "method.name=clip_task_wise_adamerging",
                "method.save_merging_weights=merging_weights.pt", POOL, TASKS, "fast_dev_run=true",
                "report_save_path={log_dir}/program_report.json");
        assertEquals(0, ada.exitCode(), ada.err());
        assertTrue(Files.isRegularFile(logDir.resolve("program_report.json")));
        CliRunner cfg = CliRunner.run("run", "--cfg", "job", "method=ties_merging", POOL, TASKS);
        assertEquals(0, cfg.exitCode(), cfg.err());
        assertTrue(cfg.out().contains("tanganke/clip-vit-base-patch32_sun397") && cfg.out().contains("threshold: 20"), cfg.out());
        CliRunner sweep = CliRunner.run("run", "-m", "method=task_arithmetic", "method.scaling_factor=0.1,0.5", POOL, TASKS);
        assertEquals(0, sweep.exitCode(), sweep.err());
        assertTrue(sweep.out().contains("# job 0") && sweep.out().contains("# job 1"), sweep.out());
        CliRunner noSweep = CliRunner.run("run", "method=task_arithmetic", "method.scaling_factor=0.1,0.5", POOL, TASKS);
        assertEquals(2, noSweep.exitCode(), noSweep.err());
    }

    @Test
    void aFusionBenchConfigTreeRunsWithConfigPath() throws Exception {
        // a tree laid out like FusionBench's: its primary config composes fabric, path, a pool, a method and a task
        // pool; the CLIP pools it does not hold come from amalgam's tree, which follows it on the search path
        Path tree = Files.createDirectories(root.resolve("fb-config"));
        write(tree.resolve("fabric_model_fusion.yaml"), """
                defaults:
                  - fabric: auto
                  - path: default
                  - modelpool: CLIPVisionModelPool/clip-vit-base-patch32_TA8
                  - method: dummy
                  - taskpool: dummy
                  - _self_
                _target_: fusion_bench.programs.FabricModelFusionProgram
                _recursive_: false
                seed: null
                fast_dev_run: false
                dry_run: false
                print_config: false
                print_function_call: true
                merged_model_save_path: null
                merged_model_save_kwargs: null
                report_save_path: "{log_dir}/program_report.json"
                """);
        write(tree.resolve("fabric/auto.yaml"), "_target_: lightning.Fabric\ndevices: auto\n");
        write(tree.resolve("path/default.yaml"), "root_dir: .\noutput_dir: ${.root_dir}/outputs\nlog_dir: ${.output_dir}/${hydra:job.config_name}/run\n");
        write(tree.resolve("method/dummy.yaml"), "_target_: fusion_bench.method.DummyAlgorithm\n");
        write(tree.resolve("method/ties_merging.yaml"), "_target_: fusion_bench.method.TiesMergingAlgorithm\nscaling_factor: 0.3\n"
                + "threshold: 20\nremove_keys: []\nmerge_func: sum\n");
        write(tree.resolve("taskpool/dummy.yaml"), "_target_: fusion_bench.taskpool.DummyTaskPool\nmodel_save_path: null\n");
        CliRunner fromTree = CliRunner.run("run", "--config-path", tree.toString(), "--config-name", "fabric_model_fusion", "method=ties_merging",
                TASKS, "path.root_dir=" + root.resolve("fb-run"));
        assertEquals(0, fromTree.exitCode(), fromTree.err());
        Path report = root.resolve("fb-run/outputs/fabric_model_fusion/run/program_report.json");
        assertTrue(Files.isRegularFile(report), "FusionBench's default report path, under path.log_dir");
        Path own = root.resolve("own.json");
        CliRunner fromAmalgam = CliRunner.run("run", "method=ties_merging", POOL, TASKS, "report_save_path=" + own);
        assertEquals(0, fromAmalgam.exitCode(), fromAmalgam.err());
        JsonNode a = new ObjectMapper().readTree(report.toFile());
        JsonNode b = new ObjectMapper().readTree(own.toFile());
        for (String task : TA8) {
            assertEquals(b.get(task), a.get(task), task);
        }
    }

    private static void write(Path file, String text) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static Map<String, float[]> tower(Path clip) {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(clip)) {
            for (TensorInfo info : checkpoint.tensors()) {
                if (info.name().startsWith("vision_model.")) {
                    tensors.put(info.name(), checkpoint.tensor(info.name()).toFloatArray());
                }
            }
        }
        return tensors;
    }

    private static long[] shape(Path clip, String name) {
        try (Checkpoint checkpoint = Checkpoint.open(clip)) {
            return checkpoint.tensor(name).shape().toArray();
        }
    }

    private static List<byte[]> images(int first, int count) {
        List<byte[]> images = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            images.add(HubCacheFixture.png(24 + i % 5 * 4, 40 - i % 3 * 6, i));
        }
        return images;
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}

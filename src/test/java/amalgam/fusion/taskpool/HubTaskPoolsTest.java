package amalgam.fusion.taskpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.data.LabelledImages;
import amalgam.data.image.ImageDecoder;
import amalgam.data.image.RgbImage;
import amalgam.io.Checkpoint;
import amalgam.io.HubCache;
import amalgam.io.YamlDocuments;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipTokenizer;
import amalgam.model.clip.ClipWeights;
import amalgam.model.clip.ZeroShotClassNames;
import amalgam.model.clip.ZeroShotHead;
import amalgam.model.clip.ZeroShotHeadCache;
import amalgam.model.clip.ZeroShotTemplates;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.testing.Fixtures;
import amalgam.testing.HubCacheFixture;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task pool of FusionBench's shape over a stand-in hub cache: a tiny CLIPModel as openai/clip-vit-base-patch32 and
 * parquet datasets as datasets writes them. It evaluates a model exactly as the existing evaluator does on the same
 * images with a head built directly; heads come from the head cache on the second load; bad documents are refused.
 */
class HubTaskPoolsTest {
    private static final String MODEL = "openai/clip-vit-base-patch32";
    private static final int[] LETTER_LABELS = {0, 3, 1, 2, 3, 0, 1, 25, 2};
    private static final int[] SHAPE_LABELS = {2, 0, 1, 1, 0};
    private static final List<String> SHAPES = List.of("circle", "square", "triangle");

    @TempDir
    Path temp;
    private Path hub;
    private HubTaskPools.Caches caches;

    @BeforeEach
    void hubCache() throws IOException {
        hub = Files.createDirectories(temp.resolve("hub"));
        caches = new HubTaskPools.Caches(hub, new ZeroShotHeadCache(temp.resolve("heads")));
        HubCacheFixture.addClipModel(hub, MODEL, temp);

        String letters = HubCacheFixture.classLabelMetadata(ZeroShotClassNames.forTask("emnist_letters").orElseThrow());
        dataset("tanganke/emnist_letters", Map.of(
                "data/test-00000-of-00002.parquet", HubCacheFixture.parquet(temp, images(0, 5), slice(LETTER_LABELS, 0, 5), letters, 2),
                "data/test-00001-of-00002.parquet", HubCacheFixture.parquet(temp, images(5, 4), slice(LETTER_LABELS, 5, 9), letters, 2),
                "data/train-00000-of-00001.parquet", HubCacheFixture.parquet(temp, images(20, 3), new int[] {1, 2, 3}, letters, 2)));
        dataset("org/shapes", Map.of("data/test-00000-of-00001.parquet",
                HubCacheFixture.parquet(temp, images(40, 5), SHAPE_LABELS, HubCacheFixture.classLabelMetadata(SHAPES), 4)));
    }

    private void dataset(String id, Map<String, byte[]> files) throws IOException {
        HubCacheFixture.addRepo(hub, HubCache.RepoType.DATASET.folderName(id), "beef01", files);
    }

    private static List<byte[]> images(int first, int count) {
        List<byte[]> images = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            images.add(HubCacheFixture.png(24 + i % 5 * 4, 40 - i % 3 * 6, i)); // several sizes: resized and cropped
        }
        return images;
    }

    private static int[] slice(int[] values, int from, int to) {
        return java.util.Arrays.copyOfRange(values, from, to);
    }

    private static Map<String, Object> document(String yaml) {
        return YamlDocuments.copyOf((Map<?, ?>) YamlDocuments.load(yaml));
    }

    private static final String POOL = """
            _target_: fusion_bench.taskpool.CLIPVisionModelTaskPool
            _recursive_: false
            test_datasets:
              emnist_letters: {_target_: datasets.load_dataset, path: tanganke/emnist_letters, split: test}
              shapes: {_target_: datasets.load_dataset, path: org/shapes, split: test}
            train_datasets:
              emnist_letters: {_target_: datasets.load_dataset, path: tanganke/emnist_letters, split: train}
            base_model: openai/clip-vit-base-patch32
            clip_model: {_target_: transformers.CLIPModel.from_pretrained, pretrained_model_name_or_path: openai/clip-vit-base-patch32}
            processor: {_target_: transformers.CLIPProcessor.from_pretrained, pretrained_model_name_or_path: openai/clip-vit-base-patch32}
            dataloader_kwargs: {batch_size: 4, num_workers: 8, pin_memory: true, drop_last: false, shuffle: false}
            layer_wise_feature_save_path: null
            templates:
              shapes: ['a photo of a {}.', 'a drawing of a {}.']
            """;

    @Test
    void aFusionBenchPoolEvaluatesAsTheEvaluatorDoesOnTheSameImages() throws IOException {
        ImageTaskPool pool = HubTaskPools.load(document(POOL), temp, caches, 2);
        assertEquals(List.of("emnist_letters", "shapes"), pool.taskNames());
        assertEquals(3, pool.task("emnist_letters").split(ImageTaskPool.Split.TRAIN).size());
        Map<String, TaskMetrics> metrics = pool.evaluate(Fixtures.clipTiny(), 2);

        Path preprocessor = Fixtures.clipTiny().resolve("preprocess/preprocessor_config.json");
        Map<String, TaskMetrics> direct = ImageTaskPool.of(List.of(
                directTask("emnist_letters", images(0, 9), LETTER_LABELS, ZeroShotClassNames.forTask("emnist_letters").orElseThrow(),
                        ZeroShotTemplates.forTask("emnist_letters")),
                directTask("shapes", images(40, 5), SHAPE_LABELS, SHAPES, new ZeroShotTemplates.TaskTemplates("shapes",
                        List.of("a photo of a {}.", "a drawing of a {}."), ZeroShotTemplates.Source.USER))),
                preprocessor, 4).evaluate(Fixtures.clipTiny(), 2);
        assertEquals(direct, metrics);
        assertTrue(metrics.get("emnist_letters").loss() > 0);
    }

    /** A task over in-memory images with a head built straight from the fixture, as `amalgam heads build` does. */
    private ImageTaskPool.Task directTask(String name, List<byte[]> encoded, int[] labels, List<String> classes,
                                          ZeroShotTemplates.TaskTemplates templates) {
        List<RgbImage> decoded = encoded.stream().map(bytes -> ImageDecoder.decode(bytes, "test image")).toList();
        LabelledImages data = new LabelledImages() {
            public int size() {
                return decoded.size();
            }

            public int label(int index) {
                return labels[index];
            }

            public RgbImage image(int index) {
                return decoded.get(index);
            }
        };
        Path clip = Fixtures.clipTiny();
        ClipConfig config = ClipConfig.read(clip.resolve("config.json"));
        Path head = temp.resolve("direct-" + name + ".safetensors");
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(clip); Parallel parallel = new Parallel(1);
             Graph graph = Graph.inference(parallel)) {
            ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(temp.resolve("tokenizer"));
            ZeroShotHead.build(new ClipModel(config), ClipWeights.load(checkpoint, config, true, arena), tokenizer, classes,
                    templates, graph, arena).save(head);
        }
        return new ImageTaskPool.Task(name, data, head, name);
    }

    @Test
    void aSecondLoadTakesTheHeadsFromTheCache() throws IOException {
        ImageTaskPool first = HubTaskPools.load(document(POOL), temp, caches, 1);
        Path head = first.task("shapes").head();
        assertTrue(head.startsWith(temp.resolve("heads")));
        FileTime built = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(head, built);
        ImageTaskPool second = HubTaskPools.load(document(POOL), temp, caches, 1);
        assertEquals(head, second.task("shapes").head());
        assertEquals(built, Files.getLastModifiedTime(head), "the cached head is not written again");
        assertEquals(first.identity("shapes"), second.identity("shapes"));
        try (Stream<Path> heads = Files.list(temp.resolve("heads"))) {
            assertEquals(2, heads.filter(file -> file.toString().endsWith(".safetensors")).count());
        }

        Path model = HubCache.snapshot(hub, HubCache.RepoType.MODEL, MODEL, null);
        ZeroShotHeadCache.Request shapes = new ZeroShotHeadCache.Request("shapes", SHAPES, new ZeroShotTemplates.TaskTemplates(
                "shapes", List.of("a photo of a {}.", "a drawing of a {}."), ZeroShotTemplates.Source.USER));
        ZeroShotHeadCache.Request otherPrompts = new ZeroShotHeadCache.Request("shapes", SHAPES,
                new ZeroShotTemplates.TaskTemplates("shapes", List.of("a {}."), ZeroShotTemplates.Source.USER));
        List<ZeroShotHeadCache.CachedHead> heads = caches.heads().heads(model, List.of(shapes, otherPrompts), 1);
        assertEquals(head, heads.get(0).file());
        assertFalse(heads.get(0).built());
        assertTrue(heads.get(1).built(), "other templates are another head");

        Files.write(head, new byte[] {1, 2, 3}); // a damaged entry is built again
        assertTrue(caches.heads().heads(model, List.of(shapes), 1).getFirst().built());
    }

    @Test
    void documentsAmalgamCannotHonourAreRefusedWithTheReason() {
        Map<String, String> refusals = Map.of(
                POOL.replace("shuffle: false", "shuffle: true"), "shuffle must be false",
                POOL.replace("_recursive_: false", "colour: blue"), "unknown key 'colour'",
                POOL.replace("path: org/shapes", "_args_: [org/shapes, extra, more]"), "_args_",
                POOL.replace("{_target_: datasets.load_dataset, path: org/shapes, split: test}",
                        "{_target_: fusion_bench.dataset.other.load_other, split: test}"), "load_other' is not supported",
                POOL.replace("layer_wise_feature_save_path: null", "layer_wise_feature_save_path: out"), "layer_wise_feature_save_path",
                POOL.replace("  shapes: ['a photo of a {}.', 'a drawing of a {}.']\n", "  other: ['{}']\n"),
                        "give them in the task pool, e.g. templates: {shapes:",
                POOL.replace("path: org/shapes", "path: org/absent"), "`hf download --repo-type dataset org/absent`",
                POOL.replace("path: org/shapes, split: test", "path: org/shapes, split: validation"), "splits found: test",
                POOL.replace("pretrained_model_name_or_path: openai/clip-vit-base-patch32}\nprocessor",
                        "pretrained_model_name_or_path: openai/clip-vit-large-patch14}\nprocessor"),
                        "`hf download openai/clip-vit-large-patch14`");
        refusals.forEach((yaml, reason) -> {
            UserInputException refused = assertThrows(UserInputException.class,
                    () -> HubTaskPools.load(document(yaml), temp, caches, 1), reason);
            assertTrue(refused.getMessage().contains(reason), reason + " in: " + refused.getMessage());
        });
    }

    @Test
    void datasetsAreWrittenAsLoadDatasetCalls() {
        assertEquals(new amalgam.data.hub.HubDatasetSplit("ufldl-stanford/svhn", "cropped_digits", "test", null),
                HubTaskPoolSpec.dataset(Map.of("_target_", "datasets.load_dataset", "_args_",
                        List.of("ufldl-stanford/svhn", "cropped_digits"), "split", "test"), "svhn"));
        assertEquals(new amalgam.data.hub.HubDatasetSplit("ethz/food101", null, "validation", "refs/convert/parquet"),
                HubTaskPoolSpec.dataset(Map.of("path", "ethz/food101", "split", "validation", "revision", "refs/convert/parquet"),
                        "food101"));
        HubTaskPoolSpec spec = HubTaskPoolSpec.parse(document(POOL), "pool");
        assertEquals(4, spec.batchSize());
        assertEquals(MODEL, spec.clipModel());
        assertEquals(128, HubTaskPoolSpec.parse(document("test_datasets: {t: {path: a/b, split: test}}\nbase_model: m\n"), "pool")
                .batchSize());
    }

    @Test
    void builtInClassNamesMustAgreeWithTheDatasetsCount() throws IOException {
        dataset("tanganke/mnist", Map.of("data/test-00000-of-00001.parquet", HubCacheFixture.parquet(temp, images(0, 2),
                new int[] {0, 1}, HubCacheFixture.classLabelMetadata(List.of("zero", "one", "two")), 2)));
        String yaml = "test_datasets:\n  mnist: {path: tanganke/mnist, split: test}\nbase_model: " + MODEL + "\n";
        UserInputException refused = assertThrows(UserInputException.class, () -> HubTaskPools.load(document(yaml), temp, caches, 1));
        assertTrue(refused.getMessage().contains("has 3 classes, but the task's class names are 10"), refused.getMessage());
        assertTrue(HubTaskPools.isHubTaskPool(document(yaml)));
        assertFalse(HubTaskPools.isHubTaskPool(document("tasks: {}\n")));
    }
}

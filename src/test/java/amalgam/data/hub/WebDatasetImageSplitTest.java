package amalgam.data.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.data.image.ImageDecoder;
import amalgam.fusion.taskpool.HubTaskPools;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.io.HubCache;
import amalgam.io.YamlDocuments;
import amalgam.model.clip.ZeroShotHeadCache;
import amalgam.testing.HubCacheFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebDataset splits (FusionBench's {@code fer2013}, {@code clip-benchmark/wds_fer2013}): tar shards in name order,
 * samples by key in member order, each an image and a {@code .cls} class index; malformed shards are bad input.
 */
class WebDatasetImageSplitTest {
    private static final HubDatasetSplit FER = new HubDatasetSplit("clip-benchmark/wds_fer2013", null, "test", null,
            HubDatasetSplit.Format.WEBDATASET);

    @TempDir
    Path temp;

    @Test
    void samplesAreReadInShardAndMemberOrder() throws Exception {
        Path snapshot = Files.createDirectories(temp.resolve("snapshot/test"));
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            images.add(HubCacheFixture.png(20 + i, 16, i));
        }
        Files.write(snapshot.resolve("0.tar"), HubCacheFixture.tar(List.of(
                HubCacheFixture.tarMember("s0000000.png", images.get(0)), HubCacheFixture.tarMember("s0000000.cls", "3\n"),
                HubCacheFixture.tarMember("s0000001.cls", "0"), HubCacheFixture.tarMember("s0000001.png", images.get(1)),
                HubCacheFixture.tarMember("s0000002.png", images.get(2)), HubCacheFixture.tarMember("s0000002.cls", "6"), HubCacheFixture.tarMember("s0000002.txt", "a caption"))));
        Files.write(snapshot.resolve("1.tar"), HubCacheFixture.tar(List.of(
                HubCacheFixture.tarMember("s0000003.png", images.get(3)), HubCacheFixture.tarMember("s0000003.cls", "1"),
                HubCacheFixture.tarMember("s0000004.png", images.get(4)), HubCacheFixture.tarMember("s0000004.cls", "2"))));
        WebDatasetImageSplit split = WebDatasetImageSplit.open(temp.resolve("snapshot"), FER);
        assertEquals(5, split.size());
        int[] labels = new int[5];
        for (int i = 0; i < 5; i++) {
            labels[i] = split.label(i);
            assertArrayEquals(ImageDecoder.decode(images.get(i), "direct").pixels(), split.image(i).pixels(), "image " + i);
        }
        assertArrayEquals(new int[] {3, 0, 6, 1, 2}, labels);
    }

    @Test
    void malformedShardsAreBadInput() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("bad/test"));
        Files.write(folder.resolve("0.tar"), HubCacheFixture.tar(List.of(HubCacheFixture.tarMember("s0.png", HubCacheFixture.png(8, 8, 1)))));
        UserInputException noLabel = assertThrows(UserInputException.class, () -> WebDatasetImageSplit.open(temp.resolve("bad"), FER));
        assertTrue(noLabel.getMessage().contains("no .cls label"), noLabel.getMessage());
        byte[] whole = HubCacheFixture.tar(List.of(HubCacheFixture.tarMember("s0.png", HubCacheFixture.png(8, 8, 1)), HubCacheFixture.tarMember("s0.cls", "1")));
        Files.write(folder.resolve("0.tar"), java.util.Arrays.copyOf(whole, 700));
        assertThrows(UserInputException.class, () -> WebDatasetImageSplit.open(temp.resolve("bad"), FER));
        Files.write(folder.resolve("0.tar"), "this is not a tar file at all".repeat(40).getBytes(StandardCharsets.UTF_8));
        assertThrows(UserInputException.class, () -> WebDatasetImageSplit.open(temp.resolve("bad"), FER));
        UserInputException missing = assertThrows(UserInputException.class, () -> WebDatasetImageSplit.open(temp.resolve("none"), FER));
        assertTrue(missing.getMessage().contains("hf download --repo-type dataset clip-benchmark/wds_fer2013"), missing.getMessage());
    }

    @Test
    void fusionBenchsFer2013LoaderIsATaskPoolEntry() throws Exception {
        Path hub = Files.createDirectories(temp.resolve("hub"));
        HubCacheFixture.addClipModel(hub, "openai/clip-vit-base-patch32", temp);
        List<byte[]> members = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            members.add(HubCacheFixture.tarMember("s%07d.png".formatted(i), HubCacheFixture.png(30, 30, i)));
            members.add(HubCacheFixture.tarMember("s%07d.cls".formatted(i), Integer.toString(i % 7)));
        }
        HubCacheFixture.addRepo(hub, HubCache.RepoType.DATASET.folderName("clip-benchmark/wds_fer2013"), "fe1",
                Map.of("test/0.tar", HubCacheFixture.tar(members)));
        Map<?, ?> document = (Map<?, ?>) YamlDocuments.load("""
                base_model: openai/clip-vit-base-patch32
                test_datasets:
                  fer2013: {_target_: fusion_bench.dataset.fer2013.load_fer2013, path: clip-benchmark/wds_fer2013, split: test}
                val_datasets:
                  fer2013:
                    _target_: fusion_bench.utils.data.train_validation_split
                    dataset: {_target_: fusion_bench.dataset.fer2013.load_fer2013, split: test}
                    validation_fraction: 0.5
                    validation_size: null
                    random_seed: 0
                    return_split: val
                """);
        ImageTaskPool pool = HubTaskPools.load(YamlDocuments.copyOf(document), temp,
                new HubTaskPools.Caches(hub, new ZeroShotHeadCache(temp.resolve("heads"))), 1);
        assertEquals(List.of("fer2013"), pool.taskNames());
        assertEquals(6, pool.task("fer2013").data().size());
        // FusionBench's val_datasets: the validation part of torch's random_split of the rows, seed 0
        amalgam.data.LabelledImages val = pool.task("fer2013").val();
        int[] permutation = RandomSubset.permutation(6, 0);
        assertEquals(3, val.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(permutation[3 + i] % 7, val.label(i), "validation row " + i);
        }
        assertEquals(7, pool.head("fer2013", java.lang.foreign.Arena.ofAuto()).weight().shape().dim(0), "FusionBench's seven fer2013 classes");
    }
}

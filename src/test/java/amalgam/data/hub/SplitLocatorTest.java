package amalgam.data.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.io.HubCache;
import amalgam.testing.HubCacheFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding a split's parquet files in a cached dataset snapshot: refs/main and links into blobs, the conventions
 * datasets resolves (sharded data/ files, a config folder, a split folder), the dataset card's data_files, and the
 * errors for what is missing or malformed, each saying how to fetch the dataset.
 */
class SplitLocatorTest {
    @TempDir
    Path hub;

    private Path repo(String id, Map<String, byte[]> files) throws IOException {
        return HubCacheFixture.addRepo(hub, HubCache.RepoType.DATASET.folderName(id), "0123abcd", files);
    }

    private static Map<String, byte[]> files(String... names) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            files.put(names[i], new byte[] {(byte) i}); // distinct contents, distinct blobs
        }
        return files;
    }

    private List<Path> find(String id, String config, String split) {
        Path snapshot = HubCache.snapshot(hub, HubCache.RepoType.DATASET, id, null);
        return SplitLocator.find(snapshot, new HubDatasetSplit(id, config, split, null));
    }

    private static List<String> names(Path snapshot, List<Path> files) {
        return files.stream().map(file -> snapshot.relativize(file).toString()).toList();
    }

    @Test
    void shardedDataFilesFollowRefsMainInNameOrderThroughBlobLinks() throws IOException {
        Path snapshot = repo("tanganke/mnist", files("data/test-00001-of-00002.parquet", "data/test-00000-of-00002.parquet",
                "data/train-00000-of-00001.parquet", "README.md"));
        List<Path> found = find("tanganke/mnist", null, "test");
        assertEquals(List.of("data/test-00000-of-00002.parquet", "data/test-00001-of-00002.parquet"), names(snapshot, found));
        assertTrue(Files.isSymbolicLink(found.getFirst()));
        assertTrue(found.getFirst().toRealPath().startsWith(hub.resolve("datasets--tanganke--mnist").resolve("blobs").toRealPath()));
        assertEquals(snapshot, HubCache.snapshot(hub, HubCache.RepoType.DATASET, "tanganke/mnist", "0123abcd"));
    }

    @Test
    void configFoldersSplitFoldersAndFileNamesAreConventionsToo() throws IOException {
        Path svhn = repo("ufldl-stanford/svhn", files("cropped_digits/test-00000-of-00001.parquet",
                "full_numbers/test-00000-of-00001.parquet"));
        assertEquals(List.of("cropped_digits/test-00000-of-00001.parquet"),
                names(svhn, find("ufldl-stanford/svhn", "cropped_digits", "test")));
        UserInputException ambiguous = assertThrows(UserInputException.class, () -> find("ufldl-stanford/svhn", null, "test"));
        assertTrue(ambiguous.getMessage().contains("name the config"), ambiguous.getMessage());

        Path converted = repo("org/converted", files("default/test/0000.parquet", "default/test/0001.parquet"));
        assertEquals(List.of("default/test/0000.parquet", "default/test/0001.parquet"),
                names(converted, find("org/converted", "default", "test")));
        Path folder = repo("org/folder", files("data/validation/a.parquet", "data/train/a.parquet"));
        assertEquals(List.of("data/validation/a.parquet"), names(folder, find("org/folder", null, "validation")));
        Path plain = repo("org/plain", files("test.parquet", "train.parquet"));
        assertEquals(List.of("test.parquet"), names(plain, find("org/plain", null, "test")));
    }

    @Test
    void theDatasetCardsDataFilesComeFirst() throws IOException {
        Map<String, byte[]> files = files("shards/eval-0.parquet", "shards/eval-1.parquet", "data/test-00000-of-00001.parquet");
        files.put("README.md", """
                ---
                dataset_info:
                  features:
                  - name: image
                    dtype: image
                configs:
                - config_name: default
                  data_files:
                  - split: test
                    path: shards/eval-*
                ---
                # a card
                """.getBytes());
        Path snapshot = repo("org/carded", files);
        assertEquals(List.of("shards/eval-0.parquet", "shards/eval-1.parquet"), names(snapshot, find("org/carded", null, "test")));
        UserInputException noSplit = assertThrows(UserInputException.class, () -> find("org/carded", null, "train"));
        assertTrue(noSplit.getMessage().contains("splits: test"), noSplit.getMessage());
        UserInputException noConfig = assertThrows(UserInputException.class, () -> find("org/carded", "other", "test"));
        assertTrue(noConfig.getMessage().contains("configs: default"), noConfig.getMessage());
    }

    @Test
    void aMissingDatasetOrSplitSaysHowToFetchIt() throws IOException {
        UserInputException missing = assertThrows(UserInputException.class, () -> find("tanganke/sun397", null, "test"));
        assertTrue(missing.getMessage().contains("`hf download --repo-type dataset tanganke/sun397`"), missing.getMessage());
        assertTrue(missing.getMessage().contains("datasets--tanganke--sun397"), missing.getMessage());

        repo("tanganke/mnist", files("data/train-00000-of-00001.parquet", "data/test-00000-of-00001.parquet"));
        UserInputException split = assertThrows(UserInputException.class, () -> find("tanganke/mnist", null, "validation"));
        assertTrue(split.getMessage().contains("splits found: test, train"), split.getMessage());
        assertTrue(split.getMessage().contains("hf download --repo-type dataset tanganke/mnist"), split.getMessage());
        UserInputException revision = assertThrows(UserInputException.class,
                () -> HubCache.snapshot(hub, HubCache.RepoType.DATASET, "tanganke/mnist", "v2"));
        assertTrue(revision.getMessage().contains("revision 'v2'"), revision.getMessage());
    }

    @Test
    void aLinkToABlobThatWasNeverDownloadedIsReported() throws IOException {
        Path snapshot = repo("tanganke/mnist", files("data/test-00000-of-00001.parquet"));
        Path blob = snapshot.resolve("data/test-00000-of-00001.parquet").toRealPath();
        Files.delete(blob);
        UserInputException broken = assertThrows(UserInputException.class, () -> find("tanganke/mnist", null, "test"));
        assertTrue(broken.getMessage().contains("blob that is not in the cache"), broken.getMessage());
    }

    @Test
    void idsSplitsAndConfigsCannotLeaveTheCache() throws IOException {
        repo("tanganke/mnist", files("data/test-00000-of-00001.parquet"));
        for (String id : List.of("../tanganke/mnist", "tanganke/../x", "a/b/c", "/etc/passwd", "", "tanganke/mnist/..", "..")) {
            assertThrows(UserInputException.class, () -> HubCache.snapshot(hub, HubCache.RepoType.DATASET, id, null), id);
        }
        for (String name : List.of("..", "../test", "a/b", "")) {
            assertThrows(UserInputException.class, () -> new HubDatasetSplit("tanganke/mnist", null, name, null), name);
            assertThrows(UserInputException.class, () -> new HubDatasetSplit("tanganke/mnist", name, "test", null), name);
        }
        assertThrows(UserInputException.class, () -> HubCache.snapshot(hub, HubCache.RepoType.DATASET, "tanganke/mnist", "../../x"));
        Files.write(hub.resolve("datasets--tanganke--mnist/refs/main"), "../../../etc".getBytes());
        assertThrows(UserInputException.class, () -> HubCache.snapshot(hub, HubCache.RepoType.DATASET, "tanganke/mnist", null));
    }
}

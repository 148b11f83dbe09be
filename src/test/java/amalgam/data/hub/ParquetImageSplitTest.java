package amalgam.data.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.data.image.ImageDecoder;
import amalgam.data.image.RgbImage;
import amalgam.io.HubCache;
import amalgam.testing.HubCacheFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a parquet image split: rows in dataset order across files and row windows, labels, class names from the
 * huggingface metadata, and bad input (truncated file, undecodable image, labels past the class names) named by file
 * and row.
 */
class ParquetImageSplitTest {
    @TempDir
    Path temp;

    private static List<byte[]> images(int first, int count) {
        List<byte[]> images = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            images.add(HubCacheFixture.png(5 + i % 3, 4, i));
        }
        return images;
    }

    private Path hub() throws IOException {
        return Files.createDirectories(temp.resolve("hub"));
    }

    @Test
    void rowsComeInFileThenRowOrderWithTheirLabels() throws IOException {
        Path hub = hub();
        List<String> names = List.of("zero", "one", "two");
        String metadata = HubCacheFixture.classLabelMetadata(names);
        int[] labels = {2, 0, 1, 1, 2, 0, 0, 1, 2, 2, 1};
        List<byte[]> all = images(0, labels.length);
        Map<String, byte[]> files = new LinkedHashMap<>();
        // written out of order: the second shard first, so only the sorted names give the dataset order
        files.put("data/test-00001-of-00002.parquet", HubCacheFixture.parquet(temp, all.subList(7, 11),
                Arrays.copyOfRange(labels, 7, 11), metadata, 2));
        files.put("data/test-00000-of-00002.parquet", HubCacheFixture.parquet(temp, all.subList(0, 7),
                Arrays.copyOfRange(labels, 0, 7), metadata, 2));
        HubCacheFixture.addRepo(hub, "datasets--tanganke--mnist", "abc123", files);
        HubDatasetSplit split = HubDatasetSplit.of("tanganke/mnist", "test");
        Path snapshot = HubCache.snapshot(hub, HubCache.RepoType.DATASET, split.repoId(), null);
        ParquetImageSplit data = ParquetImageSplit.open(split, SplitLocator.find(snapshot, split), 3);

        assertEquals(labels.length, data.size());
        assertEquals(Optional.of(names), data.classNames());
        int[] order = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 6, 0, 9, 3}; // forwards through the windows, then back and forth
        for (int i : order) {
            assertEquals(labels[i], data.label(i), "label " + i);
            RgbImage expected = ImageDecoder.decode(all.get(i), "expected " + i);
            RgbImage actual = data.image(i);
            assertEquals(expected.width(), actual.width());
            assertArrayEquals(expected.pixels(), actual.pixels(), "image " + i);
        }
        assertEquals(data.identity(), ParquetImageSplit.open(hub, split).identity());
    }

    @Test
    void classNamesAreAbsentWithoutClassLabelMetadata() throws IOException {
        Path file = temp.resolve("x.parquet");
        Files.write(file, HubCacheFixture.parquet(temp, images(0, 2), new int[] {0, 5}, null, 10));
        ParquetImageSplit data = ParquetImageSplit.open(HubDatasetSplit.of("org/x", "test"), List.of(file));
        assertEquals(Optional.empty(), data.classNames());
        assertEquals(5, data.label(1));

        Files.write(file, HubCacheFixture.parquet(temp, images(0, 2), new int[] {0, 5},
                HubCacheFixture.classLabelMetadata(List.of("a", "b")), 10));
        UserInputException past = assertThrows(UserInputException.class,
                () -> ParquetImageSplit.open(HubDatasetSplit.of("org/x", "test"), List.of(file)));
        assertTrue(past.getMessage().contains("row 1 of '" + file + "' has label 5; the split has 2 classes"), past.getMessage());
    }

    @Test
    void aTruncatedFileIsBadInputNamingIt() throws IOException {
        Path file = temp.resolve("test-00000-of-00001.parquet");
        byte[] whole = HubCacheFixture.parquet(temp, images(0, 4), new int[] {0, 1, 0, 1}, null, 2);
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        UserInputException truncated = assertThrows(UserInputException.class,
                () -> ParquetImageSplit.open(HubDatasetSplit.of("org/x", "test"), List.of(file)));
        assertTrue(truncated.getMessage().contains("parquet file '" + file + "'"), truncated.getMessage());
    }

    /**
     * Seeded byte mutations of a small file (DuckDB parses it in native code): every one is read whole or refused as
     * bad input, nothing else. A longer run (3,000 mutations, about 45 ms each) found nothing either.
     */
    @Test
    void mutatedFilesAreReadOrRefusedAsBadInput() throws IOException {
        byte[] seed = HubCacheFixture.parquet(temp, images(0, 6), new int[] {0, 1, 2, 0, 1, 2},
                HubCacheFixture.classLabelMetadata(List.of("a", "b", "c")), 2);
        java.util.Random random = new java.util.Random(20251205);
        Path file = temp.resolve("mutated.parquet");
        for (int n = 0; n < 150; n++) {
            byte[] bytes = seed.clone();
            for (int flips = 1 + random.nextInt(8); flips > 0; flips--) {
                int at = random.nextInt(bytes.length);
                bytes[at] = switch (random.nextInt(3)) {
                    case 0 -> (byte) random.nextInt(256);
                    case 1 -> (byte) (bytes[at] ^ (1 << random.nextInt(8)));
                    default -> (byte) (random.nextBoolean() ? 0 : 0xff);
                };
            }
            Files.write(file, bytes);
            try {
                ParquetImageSplit data = ParquetImageSplit.open(HubDatasetSplit.of("org/x", "test"), List.of(file));
                for (int i = 0; i < data.size(); i++) {
                    data.image(i);
                }
            } catch (UserInputException refused) {
                assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());
            }
        }
    }

    @Test
    void anUndecodableImageIsBadInputNamingFileAndRow() throws IOException {
        Path file = temp.resolve("test-00000-of-00001.parquet");
        List<byte[]> images = new ArrayList<>(images(0, 3));
        images.set(2, "not an image".getBytes());
        Files.write(file, HubCacheFixture.parquet(temp, images, new int[] {0, 1, 0}, null, 2));
        ParquetImageSplit data = ParquetImageSplit.open(HubDatasetSplit.of("org/x", "test"), List.of(file));
        data.image(1);
        UserInputException bad = assertThrows(UserInputException.class, () -> data.image(2));
        assertTrue(bad.getMessage().contains("row 2 of '" + file + "'"), bad.getMessage());
    }

    @Test
    void aFileWithoutTheImageColumnIsRefusedWithItsColumns() throws IOException {
        Path file = temp.resolve("text.parquet");
        try (var connection = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var statement = connection.createStatement()) {
            statement.execute("COPY (SELECT 'hello' AS text, 1 AS label) TO '" + file + "' (FORMAT parquet)");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        UserInputException refused = assertThrows(UserInputException.class,
                () -> ParquetImageSplit.open(HubDatasetSplit.of("org/x", "test"), List.of(file)));
        assertTrue(refused.getMessage().contains("its columns: text VARCHAR, label INTEGER"), refused.getMessage());
    }
}

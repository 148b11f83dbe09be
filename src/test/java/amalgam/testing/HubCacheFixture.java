package amalgam.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Tiny stand-ins for a Hugging Face hub cache, built in a test's temporary folder: repos laid out as huggingface_hub
 * lays them out ({@code refs/main}, {@code snapshots/REV/...} as relative links into {@code blobs/SHA256}), parquet
 * files as {@code datasets} writes them (an {@code image} struct of PNG bytes and a path, an int64 {@code label},
 * the {@code huggingface} features metadata), written with DuckDB.
 */
public final class HubCacheFixture {
    private HubCacheFixture() {
    }

    /**
     * Adds repo folder {@code folderName} (e.g. {@code datasets--tanganke--mnist}) to {@code hub} with one snapshot
     * {@code revision} holding {@code files} (relative path to bytes) as links into {@code blobs/}, and
     * {@code refs/main} naming it. Returns the snapshot folder.
     */
    public static Path addRepo(Path hub, String folderName, String revision, Map<String, byte[]> files) throws IOException {
        Path repo = hub.resolve(folderName);
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(revision));
        Files.createDirectories(repo.resolve("blobs"));
        for (Map.Entry<String, byte[]> entry : files.entrySet()) {
            Path blob = repo.resolve("blobs").resolve(sha256(entry.getValue()));
            Files.write(blob, entry.getValue());
            Path link = snapshot.resolve(entry.getKey());
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, link.getParent().relativize(blob));
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs").resolve("main"), revision);
        return snapshot;
    }

    /**
     * Adds a stand-in for the pretrained CLIP of the published pools under {@code repoId} (e.g.
     * {@code openai/clip-vit-base-patch32}): the clip-tiny fixture's CLIPModel with its image processor and a tokenizer
     * whose vocabulary covers the class names' letters (written under {@code scratch}).
     */
    public static Path addClipModel(Path hub, String repoId, Path scratch) throws IOException {
        Path clip = Fixtures.clipTiny();
        Path tokenizer = amalgam.model.clip.LetterTokenizer.write(scratch);
        Map<String, byte[]> model = new java.util.LinkedHashMap<>();
        model.put("config.json", Files.readAllBytes(clip.resolve("config.json")));
        model.put("model.safetensors", Files.readAllBytes(clip.resolve("model.safetensors")));
        model.put("preprocessor_config.json", Files.readAllBytes(clip.resolve("preprocess/preprocessor_config.json")));
        model.put("vocab.json", Files.readAllBytes(tokenizer.resolve("vocab.json")));
        model.put("merges.txt", Files.readAllBytes(tokenizer.resolve("merges.txt")));
        return addRepo(hub, amalgam.io.HubCache.RepoType.MODEL.folderName(repoId), "c0ffee", model);
    }

    /** A parquet file's bytes: rows of (image {bytes, path: null}, label) in order, with {@code metadata} when not null. */
    public static byte[] parquet(Path scratch, List<byte[]> images, int[] labels, String metadata, int rowGroupSize) {
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE rows (position INTEGER, image STRUCT(bytes BLOB, path VARCHAR), label BIGINT)");
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO rows VALUES (?, {'bytes': ?::BLOB, 'path': NULL::VARCHAR}, ?)")) {
                for (int i = 0; i < images.size(); i++) {
                    insert.setInt(1, i);
                    insert.setBytes(2, images.get(i));
                    insert.setLong(3, labels[i]);
                    insert.execute();
                }
            }
            Path file = Files.createTempFile(scratch, "rows", ".parquet");
            String options = "FORMAT parquet, ROW_GROUP_SIZE " + rowGroupSize
                    + (metadata == null ? "" : ", KV_METADATA {huggingface: '" + metadata.replace("'", "''") + "'}");
            statement.execute("COPY (SELECT image, label FROM rows ORDER BY position) TO '" + file + "' (" + options + ")");
            byte[] bytes = Files.readAllBytes(file);
            Files.delete(file);
            return bytes;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The features metadata datasets writes for an Image column and a ClassLabel column with these names. */
    public static String classLabelMetadata(List<String> names) {
        StringBuilder json = new StringBuilder("{\"info\": {\"features\": {\"image\": {\"_type\": \"Image\"}, \"label\": {\"names\": [");
        for (int i = 0; i < names.size(); i++) {
            json.append(i == 0 ? "" : ", ").append('"').append(names.get(i)).append('"');
        }
        return json.append("], \"_type\": \"ClassLabel\"}}}}").toString();
    }

    /** A PNG of {@code width} x {@code height} RGB pixels from a seed: a distinct, deterministic picture per seed. */
    public static byte[] png(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(seed);
        int base = random.nextInt(1 << 24);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, base ^ (random.nextInt(64) * 0x010101) ^ ((x * 16 + y * 4) << (seed % 3 * 8)));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

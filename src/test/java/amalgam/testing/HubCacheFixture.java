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

    /** A text member of a tar file (a WebDataset {@code .cls} label, say). */
    public static byte[] tarMember(String name, String text) {
        return tarMember(name, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** One ustar member: a 512-byte header, the data padded to 512 bytes. */
    public static byte[] tarMember(String name, byte[] data) {
        byte[] header = new byte[512];
        put(header, 0, name);
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", data.length));
        put(header, 136, "00000000000");
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        java.util.Arrays.fill(header, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        header[154] = 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        return out.toByteArray();
    }

    /** A tar file of {@code members}, with the two zero blocks that end it. */
    public static byte[] tar(List<byte[]> members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        members.forEach(out::writeBytes);
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    /** A WebDataset shard of PNG images and their class indices ({@code sNNNNNNN.png}, {@code sNNNNNNN.cls}). */
    public static byte[] webDatasetShard(List<byte[]> images, int[] labels) {
        List<byte[]> members = new java.util.ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            members.add(tarMember("s%07d.png".formatted(i), images.get(i)));
            members.add(tarMember("s%07d.cls".formatted(i), Integer.toString(labels[i])));
        }
        return tar(members);
    }

    private static void put(byte[] header, int at, String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, at, bytes.length);
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

    /**
     * A parquet file of text columns and an int64 {@code label}, rows in order: {@code rows} are the column values
     * (strings) followed by the label.
     */
    public static byte[] textParquet(Path scratch, List<String> columns, List<List<Object>> rows) {
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = connection.createStatement()) {
            StringBuilder create = new StringBuilder("CREATE TABLE rows (position INTEGER");
            columns.forEach(column -> create.append(", ").append(column).append(" VARCHAR"));
            statement.execute(create.append(", label BIGINT)").toString());
            String marks = "?, ".repeat(columns.size() + 1) + "?";
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO rows VALUES (" + marks + ")")) {
                for (int r = 0; r < rows.size(); r++) {
                    insert.setInt(1, r);
                    for (int c = 0; c < columns.size(); c++) {
                        insert.setString(c + 2, (String) rows.get(r).get(c));
                    }
                    insert.setLong(columns.size() + 2, ((Number) rows.get(r).get(columns.size())).longValue());
                    insert.execute();
                }
            }
            Path file = Files.createTempFile(scratch, "rows", ".parquet");
            statement.execute("COPY (SELECT " + String.join(", ", columns) + ", label FROM rows ORDER BY position) TO '" + file
                    + "' (FORMAT parquet)");
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

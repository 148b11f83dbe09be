package amalgam.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The proof that a directory is an amalgam output: a small JSON file in it listing every file amalgam wrote there
 * (relative path and size, sorted by path). A directory may be replaced only while it holds exactly the files its
 * manifest lists, so anything a user added, removed or swapped for a link makes it foreign again. Sizes, not
 * digests: checking must not read gigabytes, and the manifest itself must be byte-identical across runs.
 */
public final class OutputManifest {
    /** The manifest's file name inside an output directory. */
    public static final String FILE_NAME = ".amalgam-output.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int FORMAT = 1;
    private static final long MAX_MANIFEST_BYTES = 16L << 20;

    private OutputManifest() {
    }

    /** Lists every file now under {@code directory} in its manifest (written last, forced to disk). */
    public static void write(Path directory) {
        write(directory, Set.of());
    }

    /**
     * As {@link #write(Path)}, leaving out the top-level files named in {@code bookkeeping} (a staging folder's own
     * marker, about to be removed: the manifest is written while it is still there, so that a staging folder always
     * carries one or the other).
     */
    static void write(Path directory, Set<String> bookkeeping) {
        ObjectNode root = JSON.createObjectNode();
        root.put("written_by", "amalgam");
        root.put("format", FORMAT);
        ArrayNode files = root.putArray("files");
        listFiles(directory).forEach((path, size) -> {
            if (!bookkeeping.contains(path)) {
                files.addObject().put("path", path).put("size", size);
            }
        });
        try {
            AtomicFiles.writeString(directory.resolve(FILE_NAME), JSON.writeValueAsString(root) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code directory} holds a manifest and exactly the files it lists, with their sizes. */
    public static boolean describesExactly(Path directory) {
        Path manifest = directory.resolve(FILE_NAME);
        try {
            if (!Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS) || Files.size(manifest) > MAX_MANIFEST_BYTES) {
                return false;
            }
            JsonNode root = JSON.readTree(manifest.toFile());
            if (!"amalgam".equals(root.path("written_by").asText()) || !root.path("files").isArray()) {
                return false;
            }
            SortedMap<String, Long> listed = new TreeMap<>();
            for (JsonNode file : root.path("files")) {
                if (!file.path("path").isTextual() || !file.path("size").canConvertToLong()) {
                    return false;
                }
                listed.put(file.path("path").asText(), file.path("size").asLong());
            }
            return listed.equals(listFiles(directory));
        } catch (IOException | UncheckedIOException | ForeignEntry e) {
            return false;
        }
    }

    /**
     * Every regular file under {@code directory} but the manifest, by relative path ('/'-separated). A symbolic link
     * or any other special entry makes the listing fail: amalgam never writes one.
     */
    static SortedMap<String, Long> listFiles(Path directory) {
        SortedMap<String, Long> files = new TreeMap<>();
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (!attributes.isRegularFile()) {
                        throw new ForeignEntry(file);
                    }
                    String relative = directory.relativize(file).toString().replace('\\', '/');
                    if (!relative.equals(FILE_NAME)) {
                        files.put(relative, attributes.size());
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        return files;
    }

    /** An entry amalgam could not have written (a link, a device, a socket). */
    private static final class ForeignEntry extends RuntimeException {
        ForeignEntry(Path path) {
            super(path.toString(), null, false, false);
        }
    }
}

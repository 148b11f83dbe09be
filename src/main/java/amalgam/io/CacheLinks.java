package amalgam.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hugging Face cache snapshots hold symlinks into the repo's {@code blobs/}. A checkout or copy that does not
 * keep symlinks turns each into a small text file holding the link target ({@code ../../blobs/<hash>}); this
 * follows such a stand-in, and only into the blobs folder of the same cache repo.
 */
public final class CacheLinks {
    private static final int MAX_LINK_BYTES = 512;

    private CacheLinks() {
    }

    /** The file itself, or the blob a snapshot link stand-in points to. */
    public static Path resolve(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.isSymbolicLink(file) || Files.size(file) > MAX_LINK_BYTES) {
                return file;
            }
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
            if (!text.matches("(\\.\\./)+blobs/[0-9A-Fa-f]{16,128}")) {
                return file;
            }
            Path snapshotDirectory = file.toAbsolutePath().getParent();
            Path target = snapshotDirectory.resolve(text).normalize();
            Path blobs = snapshotDirectory.getParent().getParent().resolve("blobs").normalize();
            boolean inSnapshots = snapshotDirectory.getParent().getFileName().toString().equals("snapshots");
            return inSnapshots && target.getParent().equals(blobs) && Files.isRegularFile(target) ? target : file;
        } catch (IOException e) {
            return file;
        }
    }
}

package amalgam.merge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A cheap identity for an input checkpoint: SHA-256 over each file's safetensors header (names, dtypes, shapes,
 * offsets, metadata) and size. It reads kilobytes, not gigabytes, so provenance costs nothing next to the merge.
 */
public final class Fingerprints {
    private Fingerprints() {
    }

    /** The fingerprint of a checkpoint made of these (already validated) safetensors files. */
    public static String of(List<Path> files) {
        MessageDigest digest = sha256();
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                channel.read(length, 0);
                long headerLength = length.flip().getLong();
                ByteBuffer header = ByteBuffer.allocate((int) Math.min(headerLength, 100_000_000L));
                channel.read(header, 8);
                digest.update(header.flip());
                digest.update(ByteBuffer.allocate(8).putLong(0, channel.size()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 over the full contents of the files, in order (reads every byte: for small models or caches). */
    public static String ofContents(List<Path> files) {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[1 << 20];
        for (Path file : files) {
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
                for (int read = in.read(buffer); read > 0; read = in.read(buffer)) {
                    digest.update(buffer, 0, read);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

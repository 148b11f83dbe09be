package amalgam.data.idx;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPOutputStream;

/** Writes unsigned-byte IDX files, gzip-compressed (as the MNIST family is distributed), atomically. */
public final class IdxWriter {
    private static final int UNSIGNED_BYTE = 0x08;

    private IdxWriter() {
    }

    /** Writes {@code values} (each 0..255) with the given dimensions to {@code file} (gzip). */
    public static void writeUnsignedBytes(Path file, int[] dimensions, byte[] values) {
        long count = 1;
        for (int dimension : dimensions) {
            count *= dimension;
        }
        if (count != values.length) {
            throw new IllegalArgumentException(values.length + " values for dimensions " + java.util.Arrays.toString(dimensions));
        }
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream raw = Files.newOutputStream(temporary);
                 DataOutputStream out = new DataOutputStream(new GZIPOutputStream(raw))) {
                out.writeShort(0);
                out.writeByte(UNSIGNED_BYTE);
                out.writeByte(dimensions.length);
                for (int dimension : dimensions) {
                    out.writeInt(dimension);
                }
                out.write(values);
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write '" + file + "'", e);
        }
    }
}

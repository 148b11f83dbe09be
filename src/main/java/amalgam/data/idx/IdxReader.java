package amalgam.data.idx;

import amalgam.UserInputException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files: two zero bytes, a type code, the number of dimensions, big-endian int32 dimensions, then the
 * values big-endian. Gzip is detected by its magic bytes. The declared size is checked (positive dimensions, at most
 * {@link #MAX_ELEMENTS} elements, no overflow, and for plain files no more than the file holds) before anything is
 * allocated; any problem is a {@link UserInputException} naming the file.
 */
public final class IdxReader {
    /** Largest array accepted: 2^28 elements (EMNIST's largest split is well below this). */
    public static final long MAX_ELEMENTS = 1L << 28;

    private IdxReader() {
    }

    public static IdxArray read(Path file) {
        String name = "IDX file '" + file + "'";
        try {
            long fileSize = Files.size(file);
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
                raw.mark(2);
                int first = raw.read();
                int second = raw.read();
                raw.reset();
                boolean gzip = first == 0x1f && second == 0x8b;
                try (DataInputStream in = new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw)) : raw)) {
                    return parse(in, gzip ? -1 : fileSize, name);
                }
            }
        } catch (EOFException e) {
            throw new UserInputException(name + " is truncated: it ends before its declared size");
        } catch (IOException e) {
            throw new UserInputException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    private static IdxArray parse(DataInputStream in, long fileSize, String name) throws IOException {
        int zero1 = in.readUnsignedByte();
        int zero2 = in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int rank = in.readUnsignedByte();
        if (zero1 != 0 || zero2 != 0) {
            throw new UserInputException(name + " has a bad magic number (it must start with two zero bytes)");
        }
        int width = switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C -> 4;
            default -> throw new UserInputException(name + " has an unsupported element type 0x" + Integer.toHexString(type)
                    + " (supported: 0x08, 0x09, 0x0B, 0x0C)");
        };
        if (rank < 1 || rank > 4) {
            throw new UserInputException(name + " declares " + rank + " dimensions (1 to 4 supported)");
        }
        int[] dimensions = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++) {
            dimensions[i] = in.readInt();
            if (dimensions[i] <= 0) {
                throw new UserInputException(name + " declares dimension " + i + " as " + dimensions[i] + " (must be positive)");
            }
            elements *= dimensions[i];
            if (elements > MAX_ELEMENTS) {
                throw new UserInputException(name + " declares more than " + MAX_ELEMENTS + " elements");
            }
        }
        long bytes = 4L + 4L * rank + elements * width;
        if (fileSize >= 0 && bytes > fileSize) {
            throw new UserInputException(name + " is truncated: it declares " + bytes + " bytes but has " + fileSize);
        }
        int[] values = new int[(int) elements];
        if (width == 1) {
            byte[] raw = new byte[values.length];
            in.readFully(raw);
            for (int i = 0; i < values.length; i++) {
                values[i] = type == 0x08 ? raw[i] & 0xFF : raw[i];
            }
        } else {
            for (int i = 0; i < values.length; i++) {
                values[i] = type == 0x0B ? in.readShort() : in.readInt();
            }
        }
        return new IdxArray(dimensions, type, values);
    }
}

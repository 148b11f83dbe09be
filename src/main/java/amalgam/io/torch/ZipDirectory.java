package amalgam.io.torch;

import amalgam.UserInputException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The entries of a ZIP archive held in memory (a file mapping), read from its central directory, ZIP64
 * included. Only stored (uncompressed) entries can be used in place, which is how {@code torch.save} writes them.
 */
public final class ZipDirectory {
    private static final int END_OF_DIRECTORY = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_END_OF_DIRECTORY = 0x06064b50;
    private static final int DIRECTORY_ENTRY = 0x02014b50;
    private static final int LOCAL_HEADER = 0x04034b50;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** A stored entry: where its bytes are in the archive. */
    public record Entry(String name, long dataOffset, long size) {
    }

    private final Map<String, Entry> entries;

    private ZipDirectory(Map<String, Entry> entries) {
        this.entries = entries;
    }

    /** True when the bytes start like a ZIP archive (a local file header). */
    public static boolean looksLikeZip(MemorySegment bytes) {
        return bytes.byteSize() >= 4 && bytes.get(INT, 0) == LOCAL_HEADER;
    }

    /** Reads the directory; {@code where} names the file in errors. */
    public static ZipDirectory read(MemorySegment archive, String where) {
        long size = archive.byteSize();
        long end = findEndOfDirectory(archive, where);
        long count = u16(archive, end + 10);
        long directorySize = u32(archive, end + 12);
        long directoryOffset = u32(archive, end + 16);
        if (count == 0xFFFF || directorySize == 0xFFFFFFFFL || directoryOffset == 0xFFFFFFFFL) {
            long locator = end - 20;
            if (locator < 0 || archive.get(INT, locator) != ZIP64_LOCATOR) {
                throw bad(where, "ZIP64 end-of-directory locator missing");
            }
            long end64 = archive.get(LONG, locator + 8);
            check(end64 >= 0 && end64 + 56 <= locator, where, "ZIP64 end-of-directory record out of bounds");
            if (archive.get(INT, end64) != ZIP64_END_OF_DIRECTORY) {
                throw bad(where, "ZIP64 end-of-directory record missing");
            }
            count = archive.get(LONG, end64 + 32);
            directorySize = archive.get(LONG, end64 + 40);
            directoryOffset = archive.get(LONG, end64 + 48);
        }
        check(count >= 0 && directoryOffset >= 0 && directorySize >= 0 && directoryOffset + directorySize <= size
                && count <= directorySize / 46, where, "central directory out of bounds");
        Map<String, Entry> entries = new LinkedHashMap<>();
        long at = directoryOffset;
        for (long i = 0; i < count; i++) {
            check(at + 46 <= directoryOffset + directorySize && archive.get(INT, at) == DIRECTORY_ENTRY, where,
                    "damaged central directory entry " + i);
            int method = u16(archive, at + 10);
            long compressed = u32(archive, at + 20);
            long uncompressed = u32(archive, at + 24);
            int nameLength = u16(archive, at + 28);
            int extraLength = u16(archive, at + 30);
            int commentLength = u16(archive, at + 32);
            long local = u32(archive, at + 42);
            long next = at + 46 + nameLength + extraLength + commentLength;
            check(next <= directoryOffset + directorySize, where, "central directory entry " + i + " overruns the directory");
            String name = new String(archive.asSlice(at + 46, nameLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // ZIP64 extra field: the 8-byte values of whichever fields were saturated, in this order
            long extra = at + 46 + nameLength;
            for (long e = extra; e + 4 <= extra + extraLength; ) {
                int id = u16(archive, e);
                int length = u16(archive, e + 2);
                check(e + 4 + length <= extra + extraLength, where, "damaged extra field of '" + name + "'");
                if (id == 0x0001) {
                    long field = e + 4;
                    if (uncompressed == 0xFFFFFFFFL) {
                        check(field + 8 <= e + 4 + length, where, "short ZIP64 field of '" + name + "'");
                        uncompressed = archive.get(LONG, field);
                        field += 8;
                    }
                    if (compressed == 0xFFFFFFFFL) {
                        check(field + 8 <= e + 4 + length, where, "short ZIP64 field of '" + name + "'");
                        compressed = archive.get(LONG, field);
                        field += 8;
                    }
                    if (local == 0xFFFFFFFFL) {
                        check(field + 8 <= e + 4 + length, where, "short ZIP64 field of '" + name + "'");
                        local = archive.get(LONG, field);
                    }
                }
                e += 4 + length;
            }
            check(method == 0 && compressed == uncompressed, where, "entry '" + name + "' is compressed (only stored entries are read)");
            check(local >= 0 && local + 30 <= size && archive.get(INT, local) == LOCAL_HEADER, where,
                    "local header of '" + name + "' missing");
            long data = local + 30 + u16(archive, local + 26) + u16(archive, local + 28);
            check(uncompressed >= 0 && data + uncompressed <= size, where, "entry '" + name + "' runs past the end of the file");
            if (entries.put(name, new Entry(name, data, uncompressed)) != null) {
                throw bad(where, "entry '" + name + "' appears twice");
            }
            at = next;
        }
        return new ZipDirectory(entries);
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    private static long findEndOfDirectory(MemorySegment archive, String where) {
        long size = archive.byteSize();
        long lowest = Math.max(0, size - 22 - 0xFFFF);
        for (long at = size - 22; at >= lowest; at--) {
            if (archive.get(INT, at) == END_OF_DIRECTORY && at + 22 + u16(archive, at + 20) == size) {
                return at;
            }
        }
        throw bad(where, "no ZIP end-of-directory record (truncated file?)");
    }

    private static int u16(MemorySegment archive, long at) {
        return Short.toUnsignedInt(archive.get(SHORT, at));
    }

    private static long u32(MemorySegment archive, long at) {
        return Integer.toUnsignedLong(archive.get(INT, at));
    }

    private static void check(boolean condition, String where, String problem) {
        if (!condition) {
            throw bad(where, problem);
        }
    }

    private static UserInputException bad(String where, String problem) {
        return new UserInputException("PyTorch checkpoint " + where + ": " + problem);
    }
}

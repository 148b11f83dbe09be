package amalgam.data.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdxReaderTest {
    @TempDir
    Path temp;

    private static byte[] header(int type, int... dims) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length);
        buffer.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int dim : dims) {
            buffer.putInt(dim);
        }
        return buffer.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(temp.resolve(name), bytes);
    }

    @Test
    void readsUnsignedBytesSignedBytesShortsAndIntsPlainAndGzipped() throws IOException {
        byte[] images = concat(header(0x08, 2, 2, 3), new byte[] {0, 1, 2, 3, 4, 5, (byte) 200, 7, 8, 9, 10, (byte) 255});
        IdxArray read = IdxReader.read(write("images", images));
        assertArrayEquals(new int[] {2, 2, 3}, read.dimensions());
        assertEquals(2, read.count());
        assertEquals(6, read.itemSize());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 200, 7, 8, 9, 10, 255}, read.values());

        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(images);
        }
        assertArrayEquals(read.values(), IdxReader.read(write("images.gz", zipped.toByteArray())).values());

        assertArrayEquals(new int[] {-1, 127}, IdxReader.read(write("signed", concat(header(0x09, 2), new byte[] {-1, 127}))).values());
        assertArrayEquals(new int[] {-2, 300}, IdxReader.read(write("shorts", concat(header(0x0B, 2),
                ByteBuffer.allocate(4).putShort((short) -2).putShort((short) 300).array()))).values());
        assertArrayEquals(new int[] {70000}, IdxReader.read(write("ints", concat(header(0x0C, 1),
                ByteBuffer.allocate(4).putInt(70000).array()))).values());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "empty file, truncated",
        "bad magic, magic",
        "unknown type, unsupported element type",
        "zero dimensions, dimensions",
        "five dimensions, dimensions",
        "negative dimension, must be positive",
        "zero dimension, must be positive",
        "overflowing dimensions, more than",
        "data shorter than declared, truncated",
        "header cut short, truncated",
        "gzip declaring too much, truncated",
        "float type, unsupported element type"})
    void malformedFilesFailWithANamedError(String name, String keyword) throws IOException {
        byte[] bytes = switch (name) {
            case "empty file" -> new byte[0];
            case "bad magic" -> new byte[] {1, 0, 8, 1, 0, 0, 0, 1, 5};
            case "unknown type" -> concat(header(0x07, 1), new byte[] {1});
            case "zero dimensions" -> header(0x08);
            case "five dimensions" -> header(0x08, 1, 1, 1, 1, 1);
            case "negative dimension" -> header(0x08, -3);
            case "zero dimension" -> header(0x08, 0);
            case "overflowing dimensions" -> header(0x08, 65536, 65536, 65536);
            case "data shorter than declared" -> concat(header(0x08, 60000, 28, 28), new byte[100]);
            case "header cut short" -> new byte[] {0, 0, 8, 3, 0, 0};
            case "gzip declaring too much" -> gzip(concat(header(0x08, 1000, 28, 28), new byte[10]));
            default -> concat(header(0x0D, 1), new byte[4]);
        };
        Path file = write(name.replace(' ', '_'), bytes);
        UserInputException error = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(UserInputException.class, () -> IdxReader.read(file)));
        assertTrue(error.getMessage().contains(file.getFileName().toString()), error.getMessage());
        assertTrue(error.getMessage().contains(keyword), error.getMessage());
    }

    private static byte[] gzip(byte[] bytes) {
        try {
            ByteArrayOutputStream zipped = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
                gzip.write(bytes);
            }
            return zipped.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

package amalgam.data.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the writer writes, the reader reads back exactly (gzip, unsigned bytes, any rank); bad sizes are refused. */
class IdxWriterTest {
    @TempDir
    Path temp;

    @Test
    void roundTripsThroughTheReader() {
        byte[] values = new byte[2 * 3 * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = (byte) (i * 11);
        }
        Path file = temp.resolve("images-idx3-ubyte.gz");
        IdxWriter.writeUnsignedBytes(file, new int[] {2, 3, 4}, values);
        IdxArray read = IdxReader.read(file);
        assertArrayEquals(new int[] {2, 3, 4}, read.dimensions());
        assertEquals(0x08, read.type());
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i] & 0xFF, read.values()[i], "value " + i);
        }
        assertEquals(2, read.count());
        assertEquals(12, read.itemSize());
    }

    @Test
    void refusesValuesThatDoNotFitTheDimensions() throws Exception {
        Path file = temp.resolve("labels.gz");
        assertThrows(IllegalArgumentException.class, () -> IdxWriter.writeUnsignedBytes(file, new int[] {3}, new byte[2]));
        try (var listing = Files.list(temp)) {
            assertEquals(0, listing.count(), "nothing written");
        }
    }
}

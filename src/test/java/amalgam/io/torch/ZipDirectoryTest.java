package amalgam.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The ZIP directory reader on archives built here: one from java.util.zip (stored entries), and one laid out by
 * hand the way a writer does past 4 GiB (APPNOTE 4.3.14–4.3.15, 4.5.3): saturated 32-bit fields, a ZIP64 extra
 * field per entry, the ZIP64 end record and its locator.
 */
class ZipDirectoryTest {
    @Test
    void storedEntriesOfAnOrdinaryArchive() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setMethod(ZipOutputStream.STORED);
            for (String name : new String[] {"a/data.pkl", "a/data/0"}) {
                byte[] content = (name + " content").getBytes(StandardCharsets.UTF_8);
                ZipEntry entry = new ZipEntry(name);
                entry.setSize(content.length);
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(content);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(content);
                zip.closeEntry();
            }
        }
        MemorySegment archive = MemorySegment.ofArray(bytes.toByteArray());
        assertTrue(ZipDirectory.looksLikeZip(archive));
        ZipDirectory directory = ZipDirectory.read(archive, "'test'");
        assertEquals(2, directory.entries().size());
        ZipDirectory.Entry entry = directory.entries().get("a/data/0");
        assertEquals("a/data/0 content", text(archive, entry));
    }

    @Test
    void zip64FieldsAreFollowed() {
        byte[] archive = zip64("big/data/0", "eight by".getBytes(StandardCharsets.US_ASCII));
        MemorySegment segment = MemorySegment.ofArray(archive);
        ZipDirectory.Entry entry = ZipDirectory.read(segment, "'zip64'").entries().get("big/data/0");
        assertEquals(8, entry.size());
        assertEquals("eight by", text(segment, entry));
    }

    @Test
    void damageIsBadInput() {
        byte[] archive = zip64("x", "12345678".getBytes(StandardCharsets.US_ASCII));
        for (int cut : new int[] {0, 10, archive.length - 1, archive.length - 30}) {
            byte[] truncated = java.util.Arrays.copyOf(archive, cut);
            assertThrows(UserInputException.class, () -> ZipDirectory.read(MemorySegment.ofArray(truncated), "'cut'"));
        }
        byte[] wrongOffset = archive.clone();
        // the ZIP64 extra field's local-header offset (last 8 bytes of the extra) now points past the end
        ByteBuffer.wrap(wrongOffset).order(ByteOrder.LITTLE_ENDIAN).putLong(extraOffsetField(wrongOffset), 1L << 40);
        UserInputException refused = assertThrows(UserInputException.class,
                () -> ZipDirectory.read(MemorySegment.ofArray(wrongOffset), "'moved'"));
        assertTrue(refused.getMessage().contains("'moved'"), refused.getMessage());
    }

    private static String text(MemorySegment archive, ZipDirectory.Entry entry) {
        return new String(archive.asSlice(entry.dataOffset(), entry.size()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8);
    }

    /** One stored entry whose central-directory sizes and offset live in a ZIP64 extra field. */
    private static byte[] zip64(String name, byte[] content) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        // local header (sizes saturated, ZIP64 extra with both sizes)
        out.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0).putInt(0).putInt(0)
                .putInt(-1).putInt(-1).putShort((short) nameBytes.length).putShort((short) 20).put(nameBytes)
                .putShort((short) 1).putShort((short) 16).putLong(content.length).putLong(content.length).put(content);
        int directoryStart = out.position();
        out.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0).putShort((short) 0).putInt(0)
                .putInt(0).putInt(-1).putInt(-1).putShort((short) nameBytes.length).putShort((short) 28).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putInt(0).putInt(-1).put(nameBytes)
                .putShort((short) 1).putShort((short) 24).putLong(content.length).putLong(content.length).putLong(0);
        int directorySize = out.position() - directoryStart;
        int end64 = out.position();
        out.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0).putLong(1).putLong(1)
                .putLong(directorySize).putLong(directoryStart);
        out.putInt(0x07064b50).putInt(0).putLong(end64).putInt(1);
        out.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) -1).putShort((short) -1)
                .putInt(-1).putInt(-1).putShort((short) 0);
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    private static int extraOffsetField(byte[] archive) {
        ByteBuffer in = ByteBuffer.wrap(archive).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 4 <= archive.length; at++) {
            if (in.getInt(at) == 0x02014b50) {
                int nameLength = Short.toUnsignedInt(in.getShort(at + 28));
                return at + 46 + nameLength + 4 + 16;
            }
        }
        throw new IllegalStateException("no directory entry");
    }
}

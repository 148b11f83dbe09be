package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.function.Predicate;
import java.util.zip.CRC32;

/**
 * Single-file outputs (heads, debug tensors, previews) follow the rule output directories follow: an existing
 * file is replaced only when amalgam can tell it wrote it. Safetensors outputs carry {@code amalgam.output} in
 * their metadata, PNG previews a {@code Software: amalgam} text chunk.
 */
public final class OutputFile {
    private static final String MARK_KEY = "amalgam.output";
    private static final byte[] PNG_MARK = "tEXtSoftware\0amalgam".getBytes(StandardCharsets.ISO_8859_1);

    private OutputFile() {
    }

    /** Refuses, before any work, to replace {@code file} unless it is absent or {@code writtenByAmalgam} says so. */
    public static void checkReplaceable(Path file, Predicate<Path> writtenByAmalgam) {
        if (Files.isSymbolicLink(file) || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new UserInputException("output '" + file + "' is a directory or a link: refusing to replace it");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !writtenByAmalgam.test(file)) {
            throw new UserInputException("output '" + file + "' exists and was not written by amalgam: refusing to"
                    + " overwrite it; choose another file name");
        }
    }

    /** Refuses an output that is one of the command's input files (an amalgam-written input would pass the mark check). */
    public static void checkNotAnInput(Path output, java.util.List<Path> inputs) {
        if (!Files.exists(output)) {
            return;
        }
        for (Path input : inputs) {
            try {
                if (Files.exists(input) && Files.isSameFile(output, input)) {
                    throw new UserInputException("output '" + output + "' is the input '" + input + "': refusing to"
                            + " overwrite an input; choose another file name");
                }
            } catch (java.io.IOException e) {
                throw new UserInputException("cannot compare output '" + output + "' with input '" + input + "': "
                        + e.getMessage(), e);
            }
        }
    }

    /** The metadata of a safetensors file a command writes as its output ({@code format: pt}, then the mark). */
    public static SequencedMap<String, String> safetensorsMetadata(String kind) {
        SequencedMap<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put(MARK_KEY, kind);
        return Collections.unmodifiableSequencedMap(metadata);
    }

    /** Whether {@code file} is a safetensors output amalgam wrote. */
    public static boolean isAmalgamSafetensors(Path file) {
        try (SafetensorsFile stored = SafetensorsFile.open(file)) {
            return stored.metadata().containsKey(MARK_KEY);
        } catch (RuntimeException notSafetensors) {
            return false;
        }
    }

    /** {@code png} with a {@code Software: amalgam} text chunk right after its header chunk. */
    public static byte[] markPng(byte[] png) {
        int afterHeader = 8 + 8 + 13 + 4; // signature, IHDR length + type, 13 bytes of IHDR, its CRC
        byte[] text = "Software\0amalgam".getBytes(StandardCharsets.ISO_8859_1);
        byte[] chunk = new byte[12 + text.length];
        java.nio.ByteBuffer.wrap(chunk).putInt(text.length).put("tEXt".getBytes(StandardCharsets.ISO_8859_1)).put(text);
        CRC32 crc = new CRC32();
        crc.update(chunk, 4, 4 + text.length);
        java.nio.ByteBuffer.wrap(chunk, 8 + text.length, 4).putInt((int) crc.getValue());
        byte[] marked = new byte[png.length + chunk.length];
        System.arraycopy(png, 0, marked, 0, afterHeader);
        System.arraycopy(chunk, 0, marked, afterHeader, chunk.length);
        System.arraycopy(png, afterHeader, marked, afterHeader + chunk.length, png.length - afterHeader);
        return marked;
    }

    /** Whether {@code file} is a PNG that {@link #markPng} marked. */
    public static boolean isAmalgamPng(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] start = in.readNBytes(80);
            for (int i = 0; i + PNG_MARK.length <= start.length; i++) {
                if (java.util.Arrays.equals(start, i, i + PNG_MARK.length, PNG_MARK, 0, PNG_MARK.length)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}

package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the small text files the CLI is configured by (merge configs, model and task pools, {@code config.json},
 * adapter and preprocessor configs) with a size bound, so a huge or endless file is refused before it is parsed
 * instead of taking minutes and gigabytes (a YAML parser keeps the whole document and more in memory). Tokenizer
 * files carry whole vocabularies and get a larger bound.
 */
public final class ConfigFiles {
    /** The largest config file read: real ones are a few kilobytes, FusionBench's largest pools a few dozen. */
    public static final long MAX_CONFIG_BYTES = 16L << 20;
    /** The largest tokenizer file read ({@code tokenizer.json} of a 256k vocabulary is about 35 MB). */
    public static final long MAX_TOKENIZER_BYTES = 512L << 20;

    private ConfigFiles() {
    }

    /** The UTF-8 text of a config file of at most {@link #MAX_CONFIG_BYTES}; {@code what} names it in errors. */
    public static String readText(Path file, String what) {
        return new String(readBytes(file, what, MAX_CONFIG_BYTES), StandardCharsets.UTF_8);
    }

    /**
     * The bytes of {@code file}, refused (naming it as {@code what}) if it holds more than {@code limit}; at most
     * {@code limit + 1} bytes are read, even from a file that grows or a device that never ends.
     */
    public static byte[] readBytes(Path file, String what, long limit) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(Math.toIntExact(Math.min(limit + 1, Integer.MAX_VALUE - 8)));
            if (bytes.length > limit) {
                long size = Files.isRegularFile(file) ? Files.size(file) : bytes.length;
                throw new UserInputException(what + " '" + file + "' is " + (size > limit ? size + " bytes" : "too large")
                        + ", more than the " + (limit >> 20) + " MiB a file of its kind may have; is it the right file?");
            }
            return bytes;
        } catch (IOException e) {
            throw new UserInputException("cannot read " + what + " '" + file + "': " + AtomicFiles.describe(e), e);
        }
    }
}

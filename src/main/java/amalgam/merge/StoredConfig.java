package amalgam.merge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The user's config as an output records it (safetensors {@code __metadata__}, the model card): verbatim up to
 * {@link #MAX_STORED_BYTES}, else its size and SHA-256 with a note. A config may be up to 16 MiB (mostly comments,
 * say), and a safetensors header over 100 MB is refused by readers, {@code amalgam inspect} included; the verbatim
 * text still goes to {@code mergekit_config.yml}.
 */
public final class StoredConfig {
    /** Real configs are a few kilobytes; this keeps every shard's header small. */
    public static final int MAX_STORED_BYTES = 64 << 10;

    private StoredConfig() {
    }

    /** {@code text} itself, or a note with its size and SHA-256 if it is longer than {@link #MAX_STORED_BYTES}. */
    public static String of(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_STORED_BYTES) {
            return text;
        }
        return "# config of " + bytes.length + " bytes, sha256 " + sha256(bytes) + ": longer than "
                + MAX_STORED_BYTES + " bytes, so not stored here (mergekit_config.yml holds it verbatim when written)";
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package amalgam.fusion.taskpool;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content hashes that name what a task's result depends on (small files: heads, preprocessor configs). */
final class TaskIdentity {
    private TaskIdentity() {
    }

    /** SHA-256 of a label and a block of memory (a tensor's description and data). */
    static String ofBytes(String label, java.lang.foreign.MemorySegment data) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(label.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(data.asByteBuffer());
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of the file's bytes, or "none" for a null path; a missing or unreadable file is bad input. */
    static String ofFile(Path file) {
        if (file == null) {
            return "none";
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int read = in.read(buffer); read > 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UserInputException("cannot read task pool file '" + file + "': " + AtomicFiles.describe(e), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

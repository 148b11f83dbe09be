package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A full disk, an exhausted quota or a read-only file system is the user's to fix, not a bug: these failures become
 * a {@link UserInputException} (exit 2) that says where and how much. Java reports them only as the C library's
 * {@code strerror} text ({@code ENOSPC}, {@code EDQUOT}, {@code EROFS}), so that text is what is recognised.
 */
public final class StorageFailures {
    /** The kinds recognised, with the text the JDK reports and how the message says it. */
    enum Kind {
        NO_SPACE("No space left on device", "no space left on device"),
        QUOTA("Disk quota exceeded", "disk quota exceeded"),
        READ_ONLY("Read-only file system", "read-only file system");

        private final String reported;
        private final String said;

        Kind(String reported, String said) {
            this.reported = reported;
            this.said = said;
        }

        static Optional<Kind> of(IOException failure) {
            String text = failure instanceof FileSystemException system && system.getReason() != null
                    ? system.getReason() : String.valueOf(failure.getMessage());
            for (Kind kind : values()) {
                if (text.contains(kind.reported)) {
                    return Optional.of(kind);
                }
            }
            return Optional.empty();
        }
    }

    private StorageFailures() {
    }

    /**
     * The exception to throw for {@code failure} while writing {@code path} with {@code bytesNeeded} bytes still to
     * go: a {@link UserInputException} for a full, over-quota or read-only file system, else an
     * {@link UncheckedIOException} with {@code otherwise} as its message.
     */
    public static RuntimeException writing(IOException failure, Path path, long bytesNeeded, String otherwise) {
        return Kind.of(failure).<RuntimeException>map(kind -> userError(kind, path, bytesNeeded, failure))
                .orElseGet(() -> new UncheckedIOException(otherwise, failure));
    }

    /**
     * Fails before anything is written if the file system of {@code directory} has less than {@code bytes} free for
     * this user; a file system that reports no size at all (some network and virtual ones) is not checked.
     */
    public static void requireSpace(Path directory, long bytes) {
        try {
            FileStore store = Files.getFileStore(directory);
            requireSpace(directory, bytes, store.getTotalSpace(), store.getUsableSpace());
        } catch (IOException unknown) {
            // the write itself reports a full disk, if it is one
        }
    }

    static void requireSpace(Path directory, long bytes, long totalSpace, long usableSpace) {
        if (totalSpace > 0 && usableSpace < bytes) {
            throw new UserInputException("no space left on device at '" + directory + "', " + bytes + " bytes needed ("
                    + usableSpace + " free there); free some space or write the output elsewhere");
        }
    }

    /**
     * If {@code failure} was caused by a full, over-quota or read-only file system, the error to report instead
     * (for writes that do not know how many bytes they needed: side files, reports).
     */
    public static Optional<UserInputException> explain(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof UserInputException) {
                return Optional.empty();
            }
            if (cause instanceof IOException io) {
                Optional<Kind> kind = Kind.of(io);
                if (kind.isPresent()) {
                    String where = io instanceof FileSystemException system && system.getFile() != null
                            ? system.getFile() : String.valueOf(failure.getMessage());
                    return Optional.of(new UserInputException(kind.get().said + " (" + where + ")"
                            + advice(kind.get()), failure));
                }
            }
        }
        return Optional.empty();
    }

    private static UserInputException userError(Kind kind, Path path, long bytesNeeded, IOException failure) {
        String message = switch (kind) {
            case NO_SPACE, QUOTA -> kind.said + " at '" + path + "', " + bytesNeeded + " bytes needed";
            case READ_ONLY -> "cannot write '" + path + "': read-only file system";
        };
        return new UserInputException(message + advice(kind), failure);
    }

    private static String advice(Kind kind) {
        return switch (kind) {
            case NO_SPACE -> "; free some space or write the output elsewhere";
            case QUOTA -> "; free some of your quota or write the output elsewhere";
            case READ_ONLY -> "; write the output elsewhere";
        };
    }
}

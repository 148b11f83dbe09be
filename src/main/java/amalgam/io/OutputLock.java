package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * An exclusive lock on one output path, held by a live process: a lock file beside the output, locked with the
 * operating system's file lock (released by the kernel when the holder dies, so a killed run never blocks the next).
 * The file is removed when the lock is released; a process that opened it before the removal notices, on getting
 * the lock, that the file it locked is no longer the one at the path (its token is not there) and tries again.
 */
public final class OutputLock implements AutoCloseable {
    private static final int ATTEMPTS = 20;

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file guarding {@code target}: a hidden sibling. */
    static Path fileFor(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".amalgam-lock");
    }

    /** Takes the lock on {@code target}, or fails with exit 2 when another live run holds it. */
    public static OutputLock acquire(Path target) {
        Path file = fileFor(target);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            OutputLock held = tryOnce(target, file);
            if (held != null) {
                return held;
            }
        }
        throw new IllegalStateException("could not take the lock file " + file + " after " + ATTEMPTS + " attempts");
    }

    /** The lock, or null when the file was replaced under us (try again). */
    private static OutputLock tryOnce(Path target, Path file) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException heldInThisProcess) {
                lock = null;
            }
            if (lock == null) {
                String holder = readHolder(channel);
                channel.close();
                throw new UserInputException("another amalgam run" + holder + " is writing '" + target
                        + "'; wait for it to finish or choose another output path");
            }
            String token = ProcessHandle.current().pid() + " " + UUID.randomUUID();
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(token.getBytes(StandardCharsets.UTF_8)), 0);
            if (!token.equals(readPath(file))) {
                lock.release();
                channel.close();
                return null;
            }
            return new OutputLock(file, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UserInputException("cannot create the lock file '" + file + "': " + AtomicFiles.describe(e), e);
        }
    }

    private static String readPath(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException removed) {
            return null;
        }
    }

    /** " (pid N)" from the holder's token, or nothing when it has not written one yet. */
    private static String readHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        int space = text.indexOf(' ');
        return space > 0 && text.substring(0, space).chars().allMatch(Character::isDigit) ? " (pid " + text.substring(0, space) + ")" : "";
    }

    /** Removes the lock file, then releases the lock. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the lock file " + file, e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing with a clearer error
            }
        }
    }
}

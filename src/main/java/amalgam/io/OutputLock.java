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
 * the lock, that the file it locked is no longer the one at the path (another file identity) and tries again. The
 * lock file is never opened a second time by its holder: closing any descriptor of a file drops the process's
 * POSIX locks on it.
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
            if (!stillAtPath(channel, file)) {
                lock.release();
                channel.close();
                return null;
            }
            String token = ProcessHandle.current().pid() + " " + UUID.randomUUID();
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(token.getBytes(StandardCharsets.UTF_8)), 0);
            return new OutputLock(file, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UserInputException("cannot create the lock file '" + file + "': " + AtomicFiles.describe(e), e);
        }
    }

    /**
     * Whether the file {@code channel} has open (and locked) is still the one at {@code file}: it is given a size
     * nobody else would give a file (one byte at a random offset, a sparse file), then the path is checked with a
     * stat. Reading the path instead would open the file again, and closing that second descriptor would drop
     * this process's lock (POSIX locks belong to the process and the file).
     */
    private static boolean stillAtPath(FileChannel channel, Path file) throws IOException {
        long offset = (1L << 20) + java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 40);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(new byte[] {'#'}), offset);
        try {
            return Files.size(file) == offset + 1;
        } catch (NoSuchFileException removed) {
            return false;
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

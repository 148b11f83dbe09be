package amalgam.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private working folder under the system's temporary directory ({@code amalgam-scratch/run-*}), removed on
 * close. Each holds a lock file its live process keeps locked; creating one removes the folders whose lock nobody
 * holds any more, so runs killed before they could clean up leave nothing behind for long.
 */
public final class ScratchDirectory implements AutoCloseable {
    private static final String LOCK = ".lock";
    /** This process's own folders: never probed, since closing a probe's descriptor would drop our own lock. */
    private static final java.util.Set<Path> OWN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path path;
    private final FileChannel channel;

    private ScratchDirectory(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    public static ScratchDirectory create() {
        try {
            Path root = Path.of(System.getProperty("java.io.tmpdir"), "amalgam-scratch");
            Files.createDirectories(root);
            removeAbandoned(root);
            Path path = Files.createTempDirectory(root, "run-");
            FileChannel channel = FileChannel.open(path.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            channel.lock();
            OWN.add(path);
            return new ScratchDirectory(path, channel);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory: " + AtomicFiles.describe(e), e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        OWN.remove(path);
        try {
            channel.close();
        } catch (IOException ignored) {
            // the folder goes anyway
        }
        OutputDirectory.deleteTree(path);
    }

    private static void removeAbandoned(Path root) throws IOException {
        List<Path> folders;
        try (Stream<Path> children = Files.list(root)) {
            folders = children.filter(child -> child.getFileName().toString().startsWith("run-")).toList();
        }
        for (Path folder : folders) {
            Path lock = folder.resolve(LOCK);
            if (OWN.contains(folder) || !Files.isRegularFile(lock)) {
                continue; // just being created, or not ours
            }
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
                FileLock held = channel.tryLock();
                if (held != null) {
                    held.release();
                    OutputDirectory.deleteTree(folder);
                }
            } catch (OverlappingFileLockException | IOException | UncheckedIOException inUseOrGone) {
                // held by this process, or removed meanwhile
            }
        }
    }
}

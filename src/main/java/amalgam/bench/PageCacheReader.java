package amalgam.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The I/O limits of the work: reading files already in the page cache (plain reads, one file per thread) and writing a new file. */
final class PageCacheReader {
    private static final int BUFFER = 8 << 20;

    private PageCacheReader() {
    }

    /** Reads every file once with {@code threads} readers; returns the bytes read. */
    static long readAll(List<Path> files, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> reads = new ArrayList<>();
            for (Path file : files) {
                reads.add(pool.submit(() -> read(file)));
            }
            long total = 0;
            for (Future<Long> read : reads) {
                total += read.get();
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Writes {@code bytes} to a new file next to {@code near} (from a native buffer, then fsync) and deletes it. */
    static void writeNew(Path near, long bytes) {
        Path file = near.resolveSibling(near.getFileName() + ".write-probe");
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = arena.allocate(BUFFER, 4096).asByteBuffer();
            for (long written = 0; written < bytes; written += BUFFER) {
                buffer.clear().limit((int) Math.min(BUFFER, bytes - written));
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover probe file is harmless and removed with the benchmark's directory
            }
        }
    }

    private static long read(Path file) {
        try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = arena.allocate(BUFFER, 4096).asByteBuffer();
            long total = 0;
            int n;
            while ((n = channel.read(buffer)) > 0) {
                total += n;
                buffer.clear();
            }
            return total;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package amalgam.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples this process's anonymous resident memory (RssAnon: heap, off-heap buffers, thread stacks; not the page
 * cache behind mapped files) in a background thread and keeps the peak.
 */
final class AnonymousMemory implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");

    private final Thread sampler;
    private volatile boolean running = true;
    private volatile long peakBytes;

    private AnonymousMemory() {
        peakBytes = current();
        sampler = Thread.ofPlatform().daemon().name("rss-sampler").start(() -> {
            while (running) {
                peakBytes = Math.max(peakBytes, current());
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static AnonymousMemory startSampling() {
        return new AnonymousMemory();
    }

    long peakBytes() {
        return Math.max(peakBytes, current());
    }

    /** RssAnon in bytes, or 0 where /proc is not available. */
    static long current() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}

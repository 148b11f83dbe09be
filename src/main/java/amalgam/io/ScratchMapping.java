package amalgam.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Working memory backed by a file instead of anonymous memory: a read-write mapping of a scratch file in the
 * system's temporary directory, unlinked as soon as it is mapped (so nothing is left behind, even after a kill).
 * Its pages belong to the page cache, which the kernel writes back and reclaims under pressure, so a whole-model
 * working copy does not count against the process's memory budget. Handed out by a bump {@link Arena} whose
 * segments live as long as anything reachable holds one.
 */
public final class ScratchMapping implements Arena {
    private static final long ALIGNMENT = 64;

    private final MemorySegment mapping;
    private long next;

    private ScratchMapping(MemorySegment mapping) {
        this.mapping = mapping;
    }

    /** A mapping of {@code bytes} (at least one byte) to allocate from. */
    public static ScratchMapping of(long bytes) {
        Path file = null;
        try {
            file = Files.createTempFile("amalgam-working-", ".bin");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                allocateBlocks(channel, Math.max(1, bytes));
                MemorySegment mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, Math.max(1, bytes), Arena.ofAuto());
                return new ScratchMapping(mapping);
            }
        } catch (IOException e) {
            throw StorageFailures.writing(e, file == null ? Path.of(System.getProperty("java.io.tmpdir")) : file, bytes,
                    "cannot create a working file of " + bytes + " bytes");
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // the mapping keeps its pages; a leftover name in the temporary directory is harmless
                }
            }
        }
    }

    /**
     * Writes the file's zeros for real: a page of a sparse file that the disk has no room for would be a SIGBUS when
     * first touched through the mapping, where a write fails with an error that can be reported.
     */
    private static void allocateBlocks(FileChannel channel, long bytes) throws IOException {
        java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocateDirect(1 << 20);
        for (long position = 0; position < bytes; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - position));
            position += channel.write(zeros, position);
        }
    }

    /** The space {@code byteSize} takes here, alignment included (to size a mapping before allocating). */
    public static long footprint(long byteSize) {
        return (byteSize + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteAlignment > ALIGNMENT || next + footprint(byteSize) > mapping.byteSize()) {
            throw new IllegalStateException("scratch mapping of " + mapping.byteSize() + " bytes cannot give " + byteSize
                    + " more after " + next);
        }
        MemorySegment segment = mapping.asSlice(next, byteSize);
        next += footprint(byteSize);
        return segment;
    }

    @Override
    public MemorySegment.Scope scope() {
        return mapping.scope();
    }

    /** Nothing to do: the mapping goes when the last segment of it is unreachable. */
    @Override
    public void close() {
    }
}

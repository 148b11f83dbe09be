package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiFunction;

/** A whole file mapped read-only into its own arena, for the readers that keep the mapping for their lifetime. */
final class ReadOnlyMapping {
    private ReadOnlyMapping() {
    }

    /**
     * Maps {@code path} and hands the arena and the mapping to {@code reader}; if reading fails the arena is
     * closed, and an I/O failure is a {@link UserInputException} naming the file as {@code what}.
     */
    static <T> T read(Path path, String what, BiFunction<Arena, MemorySegment, T> reader) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment mapping = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return reader.apply(arena, mapping);
        } catch (IOException e) {
            arena.close();
            throw new UserInputException("cannot read " + what + " '" + path + "': " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}

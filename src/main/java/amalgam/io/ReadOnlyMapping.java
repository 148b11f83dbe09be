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
     * closed, and an I/O failure is a {@link UserInputException} naming the file as {@code what}. The file's
     * identity is taken before it is opened and checked after it is mapped, then registered with
     * {@link MappedInputs}, which names the file if it changes while it is mapped.
     */
    static <T> T read(Path path, String what, BiFunction<Arena, MemorySegment, T> reader) {
        Arena arena = Arena.ofShared();
        try {
            FileIdentity identity = FileIdentity.of(path);
            MemorySegment mapping = map(path, arena);
            long size = mapping.byteSize();
            if (size != identity.size() || !identity.equals(FileIdentity.of(path))) {
                throw new UserInputException("input file '" + path + "' changed while it was opened (it is being written"
                        + " to?); run again once it is complete");
            }
            MappedInputs.register(path, identity, arena.scope());
            return reader.apply(arena, mapping);
        } catch (IOException e) {
            arena.close();
            throw new UserInputException("cannot read " + what + " '" + path + "': " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            // an Error too: a fault on a page of a file truncated meanwhile is an InternalError
            arena.close();
            throw e;
        }
    }

    private static MemorySegment map(Path path, Arena arena) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            return size == 0 ? MemorySegment.NULL.reinterpret(0) : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
    }
}

package amalgam.io;

import amalgam.UserInputException;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A safetensors file mapped once, read-only, with its header validated. Tensors are zero-copy slices of the
 * mapping, valid until {@link #close()}. Files of any size work (offsets are longs; one mapping per file).
 */
public final class SafetensorsFile implements TensorFile {
    private static final long PAGE = 4096;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final SafetensorsHeader header;
    private final Map<String, TensorInfo> byName = new HashMap<>();

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, SafetensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
        header.tensors().forEach(info -> byName.put(info.name(), info));
    }

    /** Maps and validates a file; any problem is a {@link UserInputException} naming the file. */
    public static SafetensorsFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new UserInputException("safetensors file '" + path + "' does not exist or is not a regular file");
        }
        return ReadOnlyMapping.read(path, "safetensors file", (arena, mapping) ->
                new SafetensorsFile(path, arena, mapping, SafetensorsHeader.parse(mapping, "'" + path + "'")));
    }

    @Override
    public Path path() {
        return path;
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    @Override
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Every tensor's header entry, sorted by name. */
    @Override
    public List<TensorInfo> tensors() {
        return header.tensors();
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The tensor as a read-only zero-copy slice of the mapping. */
    @Override
    public Tensor tensor(String name) {
        TensorInfo info = require(name);
        MemorySegment slice = mapping.asSlice(header.dataOffset() + info.begin(), info.byteSize()).asReadOnly();
        return Tensor.of(info.dtype(), info.shape(), slice);
    }

    /** Maps the tensor's pages in one go before a full read (see {@link MappedPages}); a hint, never required. */
    @Override
    public void prefetch(String name) {
        TensorInfo info = require(name);
        MappedPages.populate(mapping.asSlice(header.dataOffset() + info.begin(), info.byteSize()));
    }

    /**
     * Drops the tensor's pages from this process's resident memory (they stay in the page cache), so a streaming
     * merge does not pin every input it has read. Only whole pages inside the tensor are released.
     */
    @Override
    public void release(String name) {
        TensorInfo info = require(name);
        long start = header.dataOffset() + info.begin();
        long first = (start + PAGE - 1) / PAGE * PAGE;
        long last = (start + info.byteSize()) / PAGE * PAGE;
        if (last > first) {
            mapping.asSlice(first, last - first).unload();
        }
    }

    private TensorInfo require(String name) {
        TensorInfo info = byName.get(name);
        if (info == null) {
            throw new UserInputException("tensor '" + name + "' is not in '" + path + "'");
        }
        return info;
    }

    @Override
    public void close() {
        arena.close();
    }
}

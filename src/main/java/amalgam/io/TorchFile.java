package amalgam.io;

import amalgam.UserInputException;
import amalgam.io.torch.Unpickler;
import amalgam.io.torch.ZipDirectory;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.SharedTensors;
import amalgam.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code torch.save} checkpoint ({@code pytorch_model.bin}, the ZIP format of PyTorch ≥ 1.6) mapped once and
 * read without running its pickle: the state dict's tensors ({@code _rebuild_tensor_v2} of typed storages,
 * parameters unwrapped, a top-level {@code state_dict} key unwrapped as mergekit does) become views of the
 * storages' bytes. Contiguous tensors are zero-copy slices of the mapping; a strided one (a transposed view
 * saved as is) is copied out when read and freed when released. Any other object in the pickle is refused.
 */
public final class TorchFile implements TensorFile {
    private static final Map<String, DType> STORAGES = Map.of("FloatStorage", DType.F32, "DoubleStorage", DType.F64,
            "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);
    /** A state dict's pickle is about 100 bytes a tensor; the limit bounds what a hostile one can make us allocate. */
    private static final long PICKLE_LIMIT = 16L << 20;

    private record Storage(DType dtype, String key, long elements) {
    }

    /** A tensor as the pickle describes it: a strided view of a storage. */
    private record View(Storage storage, long offset, long[] shape, long[] stride) {
        long elements() {
            long count = 1;
            for (long dim : shape) {
                count = Math.multiplyExact(count, dim);
            }
            return count;
        }

        boolean contiguous() {
            long expected = 1;
            for (int axis = shape.length - 1; axis >= 0; axis--) {
                if (shape[axis] != 1 && stride[axis] != expected) {
                    return false;
                }
                expected *= shape[axis];
            }
            return true;
        }
    }

    /** The name of the one tensor of a file that holds a bare tensor ({@code torch.save(tensor)}) rather than a dict. */
    public static final String BARE_TENSOR = "tensor";

    private record Placed(TensorInfo info, View view, long storageStart) {
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final List<TensorInfo> tensors;
    private final Map<String, Placed> byName;
    private final SharedTensors copies = new SharedTensors();

    private TorchFile(Path path, Arena arena, MemorySegment mapping, Map<String, Placed> byName) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.byName = byName;
        List<TensorInfo> infos = new ArrayList<>(byName.values().stream().map(Placed::info).toList());
        infos.sort(Comparator.comparing(TensorInfo::name));
        this.tensors = List.copyOf(infos);
    }

    static boolean isTorchArchive(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        } catch (IOException unreadable) {
            return false; // the safetensors reader reports it
        }
    }

    /** Maps and reads a checkpoint; any problem is a {@link UserInputException} naming the file. */
    public static TorchFile open(Path path) {
        String where = "'" + path + "'";
        return ReadOnlyMapping.read(path, "PyTorch checkpoint", (arena, mapping) -> {
            Map<String, ZipDirectory.Entry> entries = ZipDirectory.read(mapping, where).entries();
            String prefix = archivePrefix(entries, where);
            checkByteOrder(mapping, entries.get(prefix + "byteorder"), where);
            ZipDirectory.Entry pickle = entries.get(prefix + "data.pkl");
            if (pickle.size() > PICKLE_LIMIT) {
                throw bad(where, "data.pkl of " + pickle.size() + " bytes is larger than a state dict needs (limit " + PICKLE_LIMIT + ")");
            }
            Object root = Unpickler.load(mapping.asSlice(pickle.dataOffset(), pickle.size()), where, new StateDictObjects(where));
            return new TorchFile(path, arena, mapping, place(stateDict(root, where), entries, prefix, where));
        });
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name)).map(Placed::info);
    }

    @Override
    public Tensor tensor(String name) {
        Placed placed = require(name);
        TensorInfo info = placed.info();
        View view = placed.view();
        long elementBytes = info.dtype().byteSize();
        if (view.contiguous()) {
            return Tensor.of(info.dtype(), info.shape(), mapping.asSlice(info.begin(), info.byteSize()).asReadOnly());
        }
        return copies.acquire(name, arena -> {
            Tensor copy = Tensor.allocate(arena, info.dtype(), info.shape());
            long[] index = new long[view.shape().length];
            for (long i = 0, n = view.elements(); i < n; i++) {
                long source = view.offset();
                for (int axis = 0; axis < index.length; axis++) {
                    source += index[axis] * view.stride()[axis];
                }
                MemorySegment.copy(mapping, placed.storageStart() + source * elementBytes, copy.data(), i * elementBytes, elementBytes);
                for (int axis = index.length - 1; axis >= 0 && ++index[axis] == view.shape()[axis]; axis--) {
                    index[axis] = 0;
                }
            }
            return copy;
        });
    }

    @Override
    public void prefetch(String name) {
        TensorInfo info = require(name).info();
        MappedPages.populate(mapping.asSlice(info.begin(), info.byteSize()));
    }

    @Override
    public void release(String name) {
        require(name);
        copies.release(name);
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public void close() {
        copies.close();
        arena.close();
    }

    private Placed require(String name) {
        Placed placed = byName.get(name);
        if (placed == null) {
            throw new UserInputException("tensor '" + name + "' is not in '" + path + "'");
        }
        return placed;
    }

    /** The archive's one top folder, whose {@code data.pkl} is the pickle. */
    private static String archivePrefix(Map<String, ZipDirectory.Entry> entries, String where) {
        List<String> pickles = entries.keySet().stream().filter(name -> name.endsWith("data.pkl")
                && name.indexOf('/') == name.length() - "data.pkl".length() - 1).toList();
        if (pickles.size() != 1) {
            throw new UserInputException("PyTorch checkpoint " + where + ": expected one ARCHIVE/data.pkl, found " + pickles.size());
        }
        return pickles.getFirst().substring(0, pickles.getFirst().length() - "data.pkl".length());
    }

    private static void checkByteOrder(MemorySegment mapping, ZipDirectory.Entry entry, String where) {
        if (entry == null) {
            return; // older archives are little-endian without saying so
        }
        String order = new String(mapping.asSlice(entry.dataOffset(), Math.min(entry.size(), 16)).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII).strip();
        if (!order.equals("little")) {
            throw new UserInputException("PyTorch checkpoint " + where + ": byte order '" + order + "' is not supported");
        }
    }

    /**
     * The name → tensor map: the root dict, or its {@code state_dict} entry (entries that are not tensors are skipped),
     * or a bare tensor ({@code torch.save(tensor)}) under the name {@link #BARE_TENSOR}.
     */
    private static Map<String, View> stateDict(Object root, String where) {
        if (root instanceof View bare) {
            return Map.of(BARE_TENSOR, bare);
        }
        if (root instanceof Map<?, ?> map && map.size() == 1 && map.get("state_dict") instanceof Map<?, ?> inner) {
            root = inner;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new UserInputException("PyTorch checkpoint " + where + " does not hold a state dict (a dict of tensors)");
        }
        Map<String, View> views = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (entry.getKey() instanceof String name && entry.getValue() instanceof View view) {
                views.put(name, view);
            }
        }
        return views;
    }

    private static Map<String, Placed> place(Map<String, View> views, Map<String, ZipDirectory.Entry> entries, String prefix,
                                             String where) {
        Map<String, Placed> placed = new LinkedHashMap<>();
        for (Map.Entry<String, View> entry : views.entrySet()) {
            String name = entry.getKey();
            View view = entry.getValue();
            Storage storage = view.storage();
            ZipDirectory.Entry bytes = entries.get(prefix + "data/" + storage.key());
            long elementBytes = storage.dtype().byteSize();
            if (bytes == null) {
                throw bad(where, "tensor '" + name + "': storage '" + storage.key() + "' is missing from the archive");
            }
            if (storage.elements() < 0 || storage.elements() > bytes.size() / elementBytes) {
                throw bad(where, "tensor '" + name + "': storage '" + storage.key() + "' holds " + bytes.size()
                        + " bytes, fewer than its " + storage.elements() + " elements");
            }
            long count;
            long last = view.offset();
            try {
                count = view.elements();
                for (int axis = 0; axis < view.shape().length; axis++) {
                    if (view.shape()[axis] < 0 || view.stride()[axis] < 0) {
                        throw bad(where, "tensor '" + name + "' has a negative size or stride");
                    }
                    if (view.shape()[axis] > 0) {
                        last = Math.addExact(last, Math.multiplyExact(view.shape()[axis] - 1, view.stride()[axis]));
                    }
                }
            } catch (ArithmeticException overflow) {
                throw bad(where, "tensor '" + name + "' has sizes that overflow");
            }
            if (view.offset() < 0 || (count > 0 && last >= storage.elements())) {
                throw bad(where, "tensor '" + name + "' reaches past the end of its storage");
            }
            long begin = bytes.dataOffset() + view.offset() * elementBytes;
            TensorInfo info = new TensorInfo(name, storage.dtype(), Shape.of(view.shape()), begin, begin + count * elementBytes);
            placed.put(name, new Placed(info, view, bytes.dataOffset()));
        }
        return placed;
    }

    private static UserInputException bad(String where, String problem) {
        return new UserInputException("PyTorch checkpoint " + where + ": " + problem);
    }

    /** What a state dict may contain: ordered dicts, tensors of typed storages, parameters. */
    private record StateDictObjects(String where) implements Unpickler.Objects {
        @Override
        public Object call(Unpickler.Global callable, List<Object> arguments) {
            return switch (callable.toString()) {
                case "collections.OrderedDict" -> new LinkedHashMap<>();
                case "torch._utils._rebuild_tensor_v2" -> tensor(arguments);
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                    if (arguments.isEmpty() || !(arguments.getFirst() instanceof View view)) {
                        throw bad(where, "a parameter that does not wrap a tensor");
                    }
                    yield view;
                }
                default -> throw bad(where, "the pickle calls " + callable + ", which a state dict does not need (refused)");
            };
        }

        @Override
        public Object persistent(Object id) {
            if (!(id instanceof List<?> parts) || parts.size() < 5 || !"storage".equals(parts.get(0))
                    || !(parts.get(1) instanceof Unpickler.Global type) || !(parts.get(2) instanceof String key)
                    || !(parts.get(4) instanceof Long elements)) {
                throw bad(where, "unsupported persistent id " + id);
            }
            DType dtype = type.module().equals("torch") ? STORAGES.get(type.name()) : null;
            if (dtype == null) {
                throw bad(where, "storage type " + type + " is not supported");
            }
            return new Storage(dtype, key, elements);
        }

        private View tensor(List<Object> arguments) {
            if (arguments.size() < 4 || !(arguments.get(0) instanceof Storage storage) || !(arguments.get(1) instanceof Long offset)
                    || !(arguments.get(2) instanceof List<?> size) || !(arguments.get(3) instanceof List<?> stride)
                    || size.size() != stride.size()) {
                throw bad(where, "a tensor whose storage, offset, size or stride is malformed");
            }
            return new View(storage, offset, longs(size), longs(stride));
        }

        private long[] longs(List<?> values) {
            long[] result = new long[values.size()];
            for (int i = 0; i < result.length; i++) {
                if (!(values.get(i) instanceof Long value)) {
                    throw bad(where, "a tensor size or stride that is not an integer");
                }
                result[i] = value;
            }
            return result;
        }
    }
}

package amalgam.testing;

import amalgam.merge.InMemoryModelSource;
import amalgam.merge.ModelSource;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tests' own reader of small single-file safetensors checkpoints (8-byte little-endian header length, JSON
 * header, data), independent of the production reader so fixtures are not checked by the code under test. The
 * whole file is read onto the heap; tensors are slices of that copy.
 */
public final class SafetensorsTestFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsTestFiles() {
    }

    /** A {@code .safetensors} file, or a model directory holding {@code model.safetensors}, as a model source. */
    public static ModelSource open(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("model.safetensors") : path;
        return new InMemoryModelSource(path.toString(), read(file));
    }

    /** Every tensor of the file by name, in name order. */
    public static Map<String, Tensor> read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 2 || headerLength > bytes.length - 8) {
                throw new IOException(file + ": header length " + headerLength + " does not fit " + bytes.length + " bytes");
            }
            JsonNode header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
            MemorySegment data = MemorySegment.ofArray(bytes).asSlice(8 + headerLength);
            Map<String, Tensor> tensors = new TreeMap<>();
            for (Map.Entry<String, JsonNode> entry : header.properties()) {
                if (entry.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode info = entry.getValue();
                long[] dims = new long[info.get("shape").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = info.get("shape").get(i).asLong();
                }
                long begin = info.get("data_offsets").get(0).asLong();
                long end = info.get("data_offsets").get(1).asLong();
                tensors.put(entry.getKey(), Tensor.of(DType.fromSafetensorsName(info.get("dtype").asText()), Shape.of(dims),
                        data.asSlice(begin, end - begin)));
            }
            return tensors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The header's {@code __metadata__} (string to string), empty when the file has none. */
    public static Map<String, String> metadata(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = JSON.readTree(new String(bytes, 8, Math.toIntExact(headerLength), StandardCharsets.UTF_8));
            Map<String, String> metadata = new TreeMap<>();
            header.path("__metadata__").properties().forEach(entry -> metadata.put(entry.getKey(), entry.getValue().textValue()));
            return metadata;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One tensor of the file, which must be there. */
    public static Tensor read(Path file, String name) {
        Tensor tensor = read(file).get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + file);
        }
        return tensor;
    }

    /** The tensor data of every tensor as float32 values, by name (the header's metadata left out). */
    public static Map<String, float[]> floats(Path file) {
        Map<String, float[]> values = new TreeMap<>();
        read(file).forEach((name, tensor) -> values.put(name, tensor.toFloatArray()));
        return values;
    }
}

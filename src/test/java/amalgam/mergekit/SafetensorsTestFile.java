package amalgam.mergekit;

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
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** Test-only reader for small single-file safetensors checkpoints (the fixtures), read fully onto the heap. */
public final class SafetensorsTestFile {
    private SafetensorsTestFile() {
    }

    /** Opens a {@code .safetensors} file or a directory holding {@code model.safetensors}. */
    public static ModelSource open(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("model.safetensors") : path;
        return new InMemoryModelSource(path.toString(), read(file));
    }

    public static Map<String, Tensor> read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
            int dataStart = 8 + (int) headerLength;
            Map<String, Tensor> tensors = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (entry.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode info = entry.getValue();
                long[] dims = new long[info.get("shape").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = info.get("shape").get(i).asLong();
                }
                int begin = dataStart + info.get("data_offsets").get(0).asInt();
                int end = dataStart + info.get("data_offsets").get(1).asInt();
                tensors.put(entry.getKey(), Tensor.of(DType.fromSafetensorsName(info.get("dtype").asText()), Shape.of(dims),
                        MemorySegment.ofArray(Arrays.copyOfRange(bytes, begin, end))));
            }
            return tensors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

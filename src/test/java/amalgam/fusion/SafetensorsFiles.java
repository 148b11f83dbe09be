package amalgam.fusion;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Minimal single-file safetensors reading for fixture tests (heap copies; not the production reader). */
final class SafetensorsFiles {
    private SafetensorsFiles() {
    }

    /** A model directory holding model.safetensors, or a .safetensors file. */
    static ModelSource open(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("model.safetensors") : path;
        return new InMemoryModelSource(path.getFileName().toString(), read(file));
    }

    static Map<String, Tensor> read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8));
            MemorySegment data = MemorySegment.ofArray(bytes).asSlice(8 + headerLength);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (entry.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode node = entry.getValue();
                long[] dims = new long[node.get("shape").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = node.get("shape").get(i).asLong();
                }
                long begin = node.get("data_offsets").get(0).asLong();
                long end = node.get("data_offsets").get(1).asLong();
                tensors.put(entry.getKey(), Tensor.of(DType.fromSafetensorsName(node.get("dtype").asText()), Shape.of(dims),
                        data.asSlice(begin, end - begin)));
            }
            return tensors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

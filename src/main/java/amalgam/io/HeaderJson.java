package amalgam.io;

import amalgam.UserInputException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/**
 * Serializes a safetensors header: compact JSON ({@code __metadata__} first, then the tensors in data order with
 * contiguous offsets), padded with spaces to a multiple of 8 bytes as Hugging Face does, behind its u64 length.
 */
final class HeaderJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HeaderJson() {
    }

    /** The 8-byte length followed by the padded JSON. */
    static byte[] encode(List<TensorEntry> entries, SequencedMap<String, String> metadata) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            root.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (TensorEntry entry : entries) {
            if (entry.name().equals("__metadata__") || !names.add(entry.name())) {
                throw new UserInputException("tensor name '" + entry.name() + "' is reserved or appears twice");
            }
            long end = Math.addExact(offset, entry.byteSize());
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("dtype", entry.dtype().safetensorsName());
            fields.put("shape", entry.shape().toArray());
            fields.put("data_offsets", new long[] {offset, end});
            root.put(entry.name(), fields);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[8 + padded];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, out, 8, json.length);
        Arrays.fill(out, 8 + json.length, out.length, (byte) ' ');
        return out;
    }
}

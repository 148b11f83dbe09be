package amalgam.data.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test-only reader of one F32 tensor from a safetensors file (8-byte LE header length, JSON header, data). */
final class TestSafetensors {
    /** A tensor's shape and values. */
    record F32(long[] shape, float[] values) {
    }

    private TestSafetensors() {
    }

    static F32 readF32(Path file, String name) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buffer.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, Math.toIntExact(headerLength),
                java.nio.charset.StandardCharsets.UTF_8));
        JsonNode entry = header.get(name);
        if (entry == null || !"F32".equals(entry.get("dtype").asText())) {
            throw new IOException("no F32 tensor '" + name + "' in " + file);
        }
        long[] shape = new long[entry.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = entry.get("shape").get(i).asLong();
        }
        long begin = entry.get("data_offsets").get(0).asLong();
        long end = entry.get("data_offsets").get(1).asLong();
        float[] values = new float[Math.toIntExact((end - begin) / 4)];
        int base = Math.toIntExact(8 + headerLength + begin);
        for (int i = 0; i < values.length; i++) {
            values[i] = buffer.getFloat(base + 4 * i);
        }
        return new F32(shape, values);
    }
}

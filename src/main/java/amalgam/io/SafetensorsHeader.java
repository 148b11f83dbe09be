package amalgam.io;

import amalgam.UserInputException;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed and fully validated safetensors header. Layout: an unsigned 64-bit little-endian header length N,
 * N bytes of UTF-8 JSON, then the data buffer. Every tensor's byte span must match its shape and dtype, lie inside
 * the data buffer, not overlap another, and together the spans must cover the data buffer exactly.
 *
 * @param tensors    sorted by name
 * @param metadata   the {@code __metadata__} strings
 * @param dataOffset where the data buffer starts in the file (8 + N)
 */
record SafetensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata, long dataOffset) {
    /** Largest header accepted, as in Hugging Face's reference implementation. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");

    /** Parses the header at the start of {@code file} (a whole safetensors file's bytes); {@code name} is for messages. */
    static SafetensorsHeader parse(MemorySegment file, String name) {
        long fileSize = file.byteSize();
        if (fileSize < 8) {
            throw new UserInputException(name + ": file of " + fileSize + " bytes is too short for a safetensors header");
        }
        long headerLength = file.get(U64, 0);
        if (headerLength < 0 || headerLength > fileSize - 8) {
            throw new UserInputException(name + ": header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + fileSize + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new UserInputException(name + ": header length " + headerLength + " exceeds the limit of " + MAX_HEADER_BYTES);
        }
        byte[] json = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root = StrictJson.parse(json, name + ": header");
        if (!root.isObject()) {
            throw new UserInputException(name + ": header is not a JSON object");
        }
        long dataOffset = 8 + headerLength;
        long dataSize = fileSize - dataOffset;
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("__metadata__")) {
                metadata = metadata(field.getValue(), name);
            } else {
                tensors.add(entry(field.getKey(), field.getValue(), name));
            }
        }
        checkLayout(tensors, dataSize, name);
        tensors.sort(Comparator.comparing(TensorInfo::name));
        return new SafetensorsHeader(List.copyOf(tensors), metadata, dataOffset);
    }

    private static Map<String, String> metadata(JsonNode node, String name) {
        if (!node.isObject()) {
            throw new UserInputException(name + ": __metadata__ is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getValue().isTextual()) {
                throw new UserInputException(name + ": __metadata__ value of '" + field.getKey() + "' is not a string");
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return Map.copyOf(metadata);
    }

    private static TensorInfo entry(String tensor, JsonNode node, String name) {
        String where = name + ": tensor '" + tensor + "'";
        if (!node.isObject()) {
            throw new UserInputException(where + " is not a JSON object");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!ENTRY_FIELDS.contains(field)) {
                throw new UserInputException(where + " has an unknown field '" + field + "'");
            }
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new UserInputException(where + " has no dtype string");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dtypeNode.textValue());
        } catch (UserInputException unknown) {
            throw new UserInputException(where + " has an unknown dtype '" + dtypeNode.textValue() + "'");
        }
        long[] dims = longs(node.get("shape"), where, "shape", -1);
        long[] offsets = longs(node.get("data_offsets"), where, "data_offsets", 2);
        Shape shape;
        long expected;
        try {
            shape = Shape.of(dims);
            expected = shape.byteSize(dtype);
        } catch (UserInputException overflow) {
            throw new UserInputException(where + ": " + overflow.getMessage());
        }
        if (offsets[0] > offsets[1]) {
            throw new UserInputException(where + " has reversed data_offsets [" + offsets[0] + ", " + offsets[1] + "]");
        }
        if (offsets[1] - offsets[0] != expected) {
            throw new UserInputException(where + ": shape " + shape + " of " + dtype + " needs " + expected
                    + " bytes but data_offsets span " + (offsets[1] - offsets[0]) + " (shape-size mismatch)");
        }
        return new TensorInfo(tensor, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] longs(JsonNode node, String where, String field, int requiredLength) {
        if (node == null || !node.isArray()) {
            throw new UserInputException(where + " has no '" + field + "' array");
        }
        if (requiredLength >= 0 && node.size() != requiredLength) {
            throw new UserInputException(where + ": '" + field + "' must have " + requiredLength + " entries");
        }
        if (node.size() > 64) {
            throw new UserInputException(where + ": '" + field + "' has " + node.size() + " entries (at most 64)");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode value = node.get(i);
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
                throw new UserInputException(where + ": '" + field + "' entry " + value + " is not a non-negative integer");
            }
            values[i] = value.longValue();
        }
        return values;
    }

    private static void checkLayout(List<TensorInfo> tensors, long dataSize, String name) {
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        for (TensorInfo info : byOffset) {
            if (info.end() > dataSize) {
                throw new UserInputException(name + ": tensor '" + info.name() + "' data_offsets [" + info.begin() + ", "
                        + info.end() + "] are out of range of the " + dataSize + "-byte data buffer");
            }
            if (info.begin() < covered) {
                throw new UserInputException(name + ": tensor '" + info.name() + "' overlaps the previous tensor (offset "
                        + info.begin() + " < " + covered + ")");
            }
            if (info.begin() > covered) {
                throw new UserInputException(name + ": gap in the data buffer before tensor '" + info.name() + "' (bytes "
                        + covered + " to " + info.begin() + " belong to no tensor)");
            }
            covered = info.end();
        }
        if (covered != dataSize) {
            throw new UserInputException(name + ": data buffer has " + (dataSize - covered)
                    + " trailing bytes that belong to no tensor");
        }
    }
}

package amalgam.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A corpus of malformed and hostile checkpoints, each written into a directory by the test that uses it, with a
 * word its error message must contain.
 */
final class HostileFiles {
    /** One hostile input: how to write it (returns the path to open) and a keyword of the expected error. */
    record Case(String name, String keyword, Writer writer) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Writer {
        Path write(Path directory) throws IOException;
    }

    private HostileFiles() {
    }

    /** A file: 8-byte little-endian length (as given), then the header text, then {@code data} bytes. */
    static byte[] file(long declaredLength, byte[] header, int data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
        out.writeBytes(header);
        out.writeBytes(new byte[data]);
        return out.toByteArray();
    }

    static byte[] file(String header, int data) {
        byte[] bytes = header.getBytes(StandardCharsets.UTF_8);
        return file(bytes.length, bytes, data);
    }

    private static Case single(String name, String keyword, byte[] bytes) {
        return new Case(name, keyword, directory -> Files.write(directory.resolve(name.replace(' ', '_') + ".safetensors"), bytes));
    }

    private static Case header(String name, String keyword, String header, int data) {
        return single(name, keyword, file(header, data));
    }

    private static final String GOOD = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private static Case sharded(String name, String keyword, String weightMap, boolean writeShard) {
        return new Case(name, keyword, directory -> {
            Path model = Files.createDirectories(directory.resolve(name.replace(' ', '_')));
            Files.writeString(model.resolve(ShardIndex.FILE_NAME), "{\"metadata\":{\"total_size\":8},\"weight_map\":" + weightMap + "}");
            if (writeShard) {
                Files.write(model.resolve("shard1.safetensors"), file(GOOD, 8));
                Files.write(model.resolve("shard2.safetensors"),
                        file("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
            }
            return model;
        });
    }

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        cases.add(single("empty file", "too short", new byte[0]));
        cases.add(single("seven bytes", "too short", new byte[7]));
        cases.add(single("length past end", "past the end", file(1000, "{}".getBytes(StandardCharsets.UTF_8), 0)));
        cases.add(single("length 2^64-1", "past the end", file(-1L, "{}".getBytes(StandardCharsets.UTF_8), 0)));
        cases.add(single("length 2^63", "past the end", file(Long.MIN_VALUE, "{}".getBytes(StandardCharsets.UTF_8), 0)));
        cases.add(single("truncated data", "out of range", file(GOOD, 4)));
        cases.add(single("invalid utf8", "UTF-8", file(4, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, 0)));
        cases.add(header("not json", "JSON", "not json at all", 0));
        cases.add(header("json array", "object", "[1,2,3]", 0));
        cases.add(header("array bomb", "JSON", "[".repeat(100_000) + "]".repeat(100_000), 0));
        cases.add(header("object bomb", "JSON", "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000), 0));
        cases.add(header("duplicate tensor", "duplicate",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        cases.add(header("duplicate metadata", "duplicate", "{\"__metadata__\":{},\"__metadata__\":{}}", 0));
        cases.add(header("reversed offsets", "reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8));
        cases.add(header("overlapping offsets", "overlaps",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        cases.add(header("out of range offsets", "out of range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        cases.add(header("gap", "gap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        cases.add(header("trailing bytes", "trailing", GOOD, 12));
        cases.add(header("shape size mismatch", "mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        cases.add(header("negative dim", "non-negative", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8));
        cases.add(header("fractional dim", "non-negative integer", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8));
        cases.add(header("overflowing dims", "2^63",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776,1099511627776],\"data_offsets\":[0,8]}}", 8));
        cases.add(header("huge dim", "non-negative integer", "{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,8]}}", 8));
        cases.add(header("too many dims", "at most 64", "{\"a\":{\"dtype\":\"F32\",\"shape\":[" + "1,".repeat(70) + "1],\"data_offsets\":[0,4]}}", 4));
        cases.add(header("unknown dtype", "unknown dtype", "{\"a\":{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        cases.add(header("missing dtype", "dtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        cases.add(header("missing shape", "shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8));
        cases.add(header("missing offsets", "data_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8));
        cases.add(header("three offsets", "data_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}", 8));
        cases.add(header("unknown field", "unknown field", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8));
        cases.add(header("entry not object", "not a JSON object", "{\"a\":[1,2]}", 0));
        cases.add(header("metadata not object", "__metadata__", "{\"__metadata__\":[1]}", 0));
        cases.add(header("metadata not string", "not a string", "{\"__metadata__\":{\"k\":1}}", 0));
        cases.add(header("trailing json", "JSON", GOOD + " {}", 8));
        cases.add(sharded("index escapes parent", "escapes", "{\"a\":\"../x.safetensors\"}", false));
        cases.add(sharded("index absolute path", "escapes", "{\"a\":\"/etc/passwd\"}", false));
        cases.add(sharded("index subdirectory", "escapes", "{\"a\":\"sub/dir.safetensors\"}", false));
        cases.add(sharded("index missing shard", "missing", "{\"a\":\"nowhere.safetensors\"}", false));
        cases.add(sharded("tensor absent from shard", "missing", "{\"a\":\"shard1.safetensors\",\"zz\":\"shard1.safetensors\"}", true));
        cases.add(sharded("tensor in another shard", "missing from shard", "{\"a\":\"shard2.safetensors\",\"b\":\"shard2.safetensors\"}", true));
        cases.add(sharded("tensor not in index", "does not list", "{\"a\":\"shard1.safetensors\",\"c\":\"shard2.safetensors\"}", true));
        cases.add(sharded("index weight map not object", "weight_map", "[1]", false));
        cases.add(new Case("index not json", "JSON", directory -> {
            Path model = Files.createDirectories(directory.resolve("index_not_json"));
            Files.writeString(model.resolve(ShardIndex.FILE_NAME), "{weight_map: nope");
            return model;
        }));
        cases.add(new Case("missing model", "not found", directory -> directory.resolve("no_such_model")));
        return cases;
    }
}

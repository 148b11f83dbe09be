package amalgam.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/** The safetensors reader on mutated files, opened as {@code amalgam inspect FILE} opens them; every tensor is read. */
class SafetensorsFuzzTest extends FuzzTargetTest {
    private static final List<String> JSON = List.of("\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"",
        "\"F32\"", "\"F64\"", "\"BF16\"", "\"F16\"", "\"F8_E4M3\"", "\"F8_E5M2\"", "\"I64\"", "\"U8\"", "\"BOOL\"", "\"F4\"",
        "[0,0]", "[]", "{}", "null", "true", ":", ",", "\"\\u0000\"", "\"\\ud800\"", "18446744073709551615", "-1", "1e99",
        "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},", "\"format\":\"pt\"");
    static final FuzzTarget TARGET = new FuzzTarget("safetensors", "model.safetensors", false, JSON, CheckpointReads::readAll)
            .withInner(new FuzzTarget.Inner(true, JSON, SafetensorsFuzzTest::withMutatedHeader));

    /** The seed with its JSON header mutated and the 8-byte length prefix made to match. */
    static byte[] withMutatedHeader(byte[] seed, UnaryOperator<byte[]> mutate) {
        long length = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (length < 0 || length > seed.length - 8) {
            throw new IllegalArgumentException("not a well-formed seed");
        }
        byte[] header = mutate.apply(Arrays.copyOfRange(seed, 8, 8 + (int) length));
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + seed.length - 8 - (int) length).order(ByteOrder.LITTLE_ENDIAN);
        return out.putLong(header.length).put(header).put(seed, 8 + (int) length, seed.length - 8 - (int) length).array();
    }

    @Override
    FuzzTarget target() {
        return TARGET;
    }
}

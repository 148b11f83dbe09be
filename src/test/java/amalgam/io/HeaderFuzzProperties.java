package amalgam.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.UserInputException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Mutated safetensors headers (byte flips, truncation, insertions, random length fields, spliced JSON and digits)
 * parsed in memory: the parser either accepts a self-consistent header or throws the typed error, never anything
 * else. 4 x 25,000 tries = 100,000 mutated headers per run.
 */
class HeaderFuzzProperties {
    private static final String[] SNIPPETS = {"{", "}", "[", "]", ",", ":", "\"", "-1", "1e99", "null", "true",
        "\"dtype\":\"BF16\"", "\"shape\":[]", "\"data_offsets\":[0,0]", "\"__metadata__\":{}", "18446744073709551615", "\\u0000"};

    @Provide
    Arbitrary<byte[]> validFiles() {
        return Arbitraries.integers().between(0, 4).flatMap(count -> Arbitraries.integers().between(0, 6).list().ofSize(count)
                .map(HeaderFuzzProperties::validFile));
    }

    static byte[] validFile(List<Integer> sizes) {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        String[] dtypes = {"F32", "BF16", "I64", "U8", "F16"};
        int[] widths = {4, 2, 8, 1, 2};
        for (int i = 0; i < sizes.size(); i++) {
            int kind = i % dtypes.length;
            long end = offset + (long) sizes.get(i) * widths[kind];
            json.append(",\"t").append(i).append("\":{\"dtype\":\"").append(dtypes[kind]).append("\",\"shape\":[")
                    .append(sizes.get(i)).append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        return HostileFiles.file(json.toString(), (int) offset);
    }

    @Property(tries = 25_000)
    void byteFlips(@ForAll("validFiles") byte[] file, @ForAll("positions") List<Integer> positions, @ForAll byte value) {
        byte[] mutated = file.clone();
        for (int position : positions) {
            mutated[Math.floorMod(position, mutated.length)] ^= (byte) (value | 1);
        }
        parseOrTypedError(mutated);
    }

    @Property(tries = 25_000)
    void truncationsAndInsertions(@ForAll("validFiles") byte[] file, @ForAll int cut, @ForAll("bytes") byte[] inserted) {
        int at = Math.floorMod(cut, file.length + 1);
        byte[] mutated = new byte[file.length + inserted.length];
        System.arraycopy(file, 0, mutated, 0, at);
        System.arraycopy(inserted, 0, mutated, at, inserted.length);
        System.arraycopy(file, at, mutated, at + inserted.length, file.length - at);
        parseOrTypedError(Arrays.copyOf(mutated, Math.max(0, mutated.length - Math.floorMod(cut >> 8, 16))));
    }

    @Property(tries = 25_000)
    void randomLengthFields(@ForAll("validFiles") byte[] file, @ForAll long length) {
        byte[] mutated = file.clone();
        ByteBuffer.wrap(mutated).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        parseOrTypedError(mutated);
    }

    @Property(tries = 25_000)
    void splicedJsonAndDigits(@ForAll("validFiles") byte[] file, @ForAll int where, @ForAll("snippets") String snippet) {
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(file, 8, (int) headerLength, StandardCharsets.UTF_8);
        int at = Math.floorMod(where, header.length() + 1);
        String spliced = header.substring(0, at) + snippet + header.substring(at);
        parseOrTypedError(HostileFiles.file(spliced, file.length - 8 - (int) headerLength));
    }

    @Provide
    Arbitrary<List<Integer>> positions() {
        return Arbitraries.integers().list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
    }

    @Provide
    Arbitrary<String> snippets() {
        return Combinators.combine(Arbitraries.of(SNIPPETS), Arbitraries.strings().numeric().ofMaxLength(25))
                .as((snippet, digits) -> Tuple.of(snippet, digits)).map(t -> t.get1() + t.get2());
    }

    private static void parseOrTypedError(byte[] bytes) {
        try {
            SafetensorsHeader header = SafetensorsHeader.parse(MemorySegment.ofArray(bytes), "fuzz");
            long covered = header.tensors().stream().sorted(Comparator.comparingLong(TensorInfo::begin))
                    .mapToLong(TensorInfo::byteSize).sum();
            assertEquals(bytes.length - header.dataOffset(), covered, "accepted header does not cover the data");
        } catch (UserInputException expected) {
            // the typed error is the only acceptable failure
        }
    }
}

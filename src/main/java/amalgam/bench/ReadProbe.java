package amalgam.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Touches every byte of a segment as cheaply as possible (an XOR fold), to measure pure read bandwidth. */
final class ReadProbe {
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

    private ReadProbe() {
    }

    static long xorFold(MemorySegment data) {
        long bytes = data.byteSize();
        long step = LONGS.vectorByteSize() * 4L;
        long bound = bytes - bytes % step;
        LongVector a = LongVector.zero(LONGS);
        LongVector b = LongVector.zero(LONGS);
        LongVector c = LongVector.zero(LONGS);
        LongVector d = LongVector.zero(LONGS);
        int width = LONGS.vectorByteSize();
        for (long offset = 0; offset < bound; offset += step) {
            a = a.lanewise(VectorOperators.XOR, LongVector.fromMemorySegment(LONGS, data, offset, ByteOrder.LITTLE_ENDIAN));
            b = b.lanewise(VectorOperators.XOR, LongVector.fromMemorySegment(LONGS, data, offset + width, ByteOrder.LITTLE_ENDIAN));
            c = c.lanewise(VectorOperators.XOR, LongVector.fromMemorySegment(LONGS, data, offset + 2L * width, ByteOrder.LITTLE_ENDIAN));
            d = d.lanewise(VectorOperators.XOR, LongVector.fromMemorySegment(LONGS, data, offset + 3L * width, ByteOrder.LITTLE_ENDIAN));
        }
        long fold = a.lanewise(VectorOperators.XOR, b).lanewise(VectorOperators.XOR, c).lanewise(VectorOperators.XOR, d)
                .reduceLanes(VectorOperators.XOR);
        for (long offset = bound; offset < bytes; offset++) {
            fold ^= data.get(ValueLayout.JAVA_BYTE, offset);
        }
        return fold;
    }
}

package amalgam.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Exact selection against a full sort of |x| (Arrays.sort puts NaN last and -0 == +0 after abs). */
class SelectionTest {
    private static final float[] TIES = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 3f, 1e-40f, -1e-40f, Float.POSITIVE_INFINITY};

    private static float[] data(Random random, int size, boolean withNaN) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            int kind = random.nextInt(10);
            values[i] = kind < 5 ? TIES[random.nextInt(TIES.length)] : (float) random.nextGaussian();
            if (withNaN && kind == 9 && random.nextInt(5) == 0) {
                values[i] = Float.intBitsToFloat(random.nextBoolean() ? 0x7FC0_0000 : 0xFFC0_0001);
            }
        }
        return values;
    }

    private static float[] sortedMagnitudes(float[] values) {
        float[] magnitudes = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            magnitudes[i] = Math.abs(values[i]);
        }
        Arrays.sort(magnitudes);
        return magnitudes;
    }

    private static MemorySegment segment(Arena arena, float[] values) {
        MemorySegment segment = KernelTestData.floats(arena, values.length);
        MemorySegment.copy(values, 0, segment, Layouts.F32, 0, values.length);
        return segment;
    }

    private static void assertSameMagnitude(float expected, float actual, String what) {
        assertEquals(0, Float.compare(expected, actual), what + ": expected " + expected + " got " + actual);
    }

    @Test
    void kthValuesMatchSorting() {
        Random random = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int size : new int[] {1, 2, 3, 17, 100, 4099, 50_000}) {
                float[] values = data(random, size, size > 50);
                float[] sorted = sortedMagnitudes(values);
                MemorySegment segment = segment(arena, values);
                long[] ks = {1, size, (size + 1) / 2, 1 + random.nextInt(size), 1 + random.nextInt(size)};
                for (long k : ks) {
                    assertSameMagnitude(sorted[(int) k - 1], Selection.kthSmallestAbs(segment, size, k), "smallest k=" + k + " n=" + size);
                    assertSameMagnitude(sorted[size - (int) k], Selection.kthLargestAbs(segment, size, k), "largest k=" + k + " n=" + size);
                }
            }
        }
    }

    @Test
    void countAbsAtLeastMatchesDefinition() {
        Random random = new Random(11);
        float[] values = data(random, 4099, false);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = segment(arena, values);
            for (float t : new float[] {0f, -0f, 1e-40f, 0.5f, 1f, 2f, Float.POSITIVE_INFINITY}) {
                long expected = 0;
                for (float value : values) {
                    expected += Math.abs(value) >= t ? 1 : 0;
                }
                assertEquals(expected, Selection.countAbsAtLeast(segment, values.length, t), "t=" + t);
            }
            float threshold = Selection.kthLargestAbs(segment, values.length, 1000);
            long kept = Selection.countAbsAtLeast(segment, values.length, threshold);
            assertEquals(true, kept >= 1000, "keeping |x| >= the 1000th largest keeps at least 1000 (ties included)");
            assertThrows(IllegalArgumentException.class, () -> Selection.countAbsAtLeast(segment, 3, -1f));
        }
    }

    @Test
    void nanIsLargestAndZerosAreEqual() {
        float[] values = {Float.NaN, -0f, 0f, Float.NEGATIVE_INFINITY, -2f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = segment(arena, values);
            assertEquals(true, Float.isNaN(Selection.kthLargestAbs(segment, 5, 1)));
            assertEquals(Float.POSITIVE_INFINITY, Selection.kthLargestAbs(segment, 5, 2));
            assertEquals(0f, Selection.kthSmallestAbs(segment, 5, 2));
            assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(Selection.kthSmallestAbs(segment, 5, 1)));
            assertEquals(5, Selection.countAbsAtLeast(segment, 5, 0f));
            assertEquals(1, Selection.countAbsAtLeast(segment, 5, Float.NaN));
        }
    }

    @Test
    void streamingSelectorAcrossChunksMatchesSorting() {
        Random random = new Random(3);
        float[][] tensors = new float[6][];
        int total = 0;
        for (int t = 0; t < tensors.length; t++) {
            tensors[t] = data(random, t == 2 ? 0 : 1 + random.nextInt(3000), true);
            total += tensors[t].length;
        }
        float[] all = new float[total];
        int position = 0;
        for (float[] tensor : tensors) {
            System.arraycopy(tensor, 0, all, position, tensor.length);
            position += tensor.length;
        }
        float[] sorted = sortedMagnitudes(all);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] segments = new MemorySegment[tensors.length];
            for (int t = 0; t < tensors.length; t++) {
                segments[t] = segment(arena, tensors[t]);
            }
            for (long k : new long[] {1, total, total / 3, total - 7}) {
                AbsHistogramSelector selector = AbsHistogramSelector.firstPass();
                for (MemorySegment segment : segments) {
                    selector.accept(segment, segment.byteSize() / 4);
                }
                assertEquals(total, selector.count());
                selector.secondPassLargest(k);
                for (int t = segments.length - 1; t >= 0; t--) { // another order and chunking in pass two
                    long n = segments[t].byteSize() / 4;
                    selector.accept(segments[t].asSlice(0, n / 2 * 4), n / 2);
                    selector.accept(segments[t].asSlice(n / 2 * 4), n - n / 2);
                }
                assertSameMagnitude(sorted[total - (int) k], selector.result(), "k-th largest k=" + k);
            }
        }
    }

    /**
     * Many elements in one bucket, most with low bits 0 (the pass-2 vector path) and some not, over shares fed in
     * different chunks in each pass: the result is the sorted order's, whatever the split.
     */
    @Test
    void sharesOfATieHeavyStreamMatchSorting() {
        Random random = new Random(11);
        float[] all = new float[200_003];
        for (int i = 0; i < all.length; i++) {
            int kind = random.nextInt(8);
            all[i] = switch (kind) {
                case 0, 1, 2 -> (random.nextBoolean() ? 1 : -1) * Float.intBitsToFloat(0x3B80_0000 + random.nextInt(3) * 0x1_0000);
                case 3 -> Float.intBitsToFloat(0x3B80_0000 | random.nextInt(1 << 16)); // same bucket, any low bits
                case 4 -> 0f;
                case 5 -> Float.intBitsToFloat((int) (random.nextLong() & 0x7FFF_FFFFL)); // NaN patterns included
                default -> (float) random.nextGaussian() * 0.004f;
            };
        }
        float[] sorted = sortedMagnitudes(all);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = segment(arena, all);
            for (long k : new long[] {1, all.length, all.length / 5, all.length / 2, all.length - 40_000, 77_777}) {
                AbsHistogramSelector selector = AbsHistogramSelector.firstPass();
                feedInShares(selector, data, all.length, new long[] {0, 70_001, 70_017, 150_000});
                assertEquals(all.length, selector.count());
                selector.secondPass(k);
                feedInShares(selector, data, all.length, new long[] {0, 5, 99_999, 100_000, 190_000});
                assertSameMagnitude(sorted[(int) k - 1], selector.result(), "k=" + k);
            }
        }
    }

    /** One share per range [cuts[i], cuts[i + 1]) (the last to the end), each fed in uneven chunks, then joined. */
    private static void feedInShares(AbsHistogramSelector selector, MemorySegment data, long count, long[] cuts) {
        for (int i = 0; i < cuts.length; i++) {
            long from = cuts[i];
            long to = i + 1 < cuts.length ? cuts[i + 1] : count;
            AbsHistogramSelector share = selector.share();
            for (long start = from; start < to; start += 12_345) {
                long n = Math.min(12_345, to - start);
                share.accept(data.asSlice(start * Float.BYTES, n * Float.BYTES), n);
            }
            selector.join(share);
        }
    }

    @Test
    void sharesAreTiedToTheirPass() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = segment(arena, new float[] {1f, 2f, 3f});
            AbsHistogramSelector selector = AbsHistogramSelector.firstPass();
            AbsHistogramSelector firstPassShare = selector.share();
            firstPassShare.accept(segment, 3);
            selector.join(firstPassShare);
            assertThrows(IllegalStateException.class, () -> firstPassShare.accept(segment, 3), "a joined share");
            assertThrows(IllegalStateException.class, firstPassShare::result);
            AbsHistogramSelector stale = selector.share();
            selector.secondPass(2);
            assertThrows(IllegalArgumentException.class, () -> selector.join(stale), "a share of pass 1 in pass 2");
            assertThrows(IllegalArgumentException.class, () -> selector.join(selector));
            selector.accept(segment, 3);
            assertEquals(2f, selector.result());
            assertThrows(IllegalStateException.class, selector::share);
        }
    }

    @Test
    void misuseIsReported() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = segment(arena, new float[] {1f, 2f, 3f});
            assertThrows(IllegalArgumentException.class, () -> Selection.kthSmallestAbs(segment, 3, 0));
            assertThrows(IllegalArgumentException.class, () -> Selection.kthSmallestAbs(segment, 3, 4));
            AbsHistogramSelector selector = AbsHistogramSelector.firstPass();
            assertThrows(IllegalStateException.class, selector::result);
            selector.accept(segment, 3);
            selector.secondPass(2);
            selector.accept(segment, 2);
            assertThrows(IllegalStateException.class, selector::result, "second pass saw fewer elements");
            AbsHistogramSelector changed = AbsHistogramSelector.firstPass();
            changed.accept(segment, 3);
            changed.secondPass(2);
            changed.accept(segment(arena, new float[] {7f, 8f, 9f}), 3);
            assertThrows(IllegalStateException.class, changed::result, "second pass saw other data");
        }
    }
}

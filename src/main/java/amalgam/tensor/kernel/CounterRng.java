package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * A counter-based random stream: element {@code i} of the stream for {@code (seed, tensorName, modelIndex)} is a
 * pure function of those four values, so masks and noise never depend on threads, chunking or call order.
 *
 * <p>Generator: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
 * The 64-bit seed is the Philox key; the 128-bit counter is {@code (i / 4 as 64 bits, streamId as 64 bits)} where
 * {@code streamId} mixes a 64-bit FNV-1a hash of the UTF-8 tensor name with the model index; element {@code i}
 * takes word {@code i % 4} of that block. A word {@code w} becomes the float {@code (w >>> 8) * 2^-24}, uniform on
 * the 2^24 multiples of 2^-24 in [0, 1).
 */
public final class CounterRng {
    private static final int M0 = 0xD251_1F53;
    private static final int M1 = 0xCD9E_8D57;
    private static final int W0 = 0x9E37_79B9;
    private static final int W1 = 0xBB67_AE85;

    private final int key0;
    private final int key1;
    private final int stream0;
    private final int stream1;

    private CounterRng(long seed, long streamId) {
        this.key0 = (int) seed;
        this.key1 = (int) (seed >>> 32);
        this.stream0 = (int) streamId;
        this.stream1 = (int) (streamId >>> 32);
    }

    /** The stream for one tensor of one model under a seed. */
    public static CounterRng of(long seed, String tensorName, int modelIndex) {
        long hash = 0xCBF2_9CE4_8422_2325L;
        for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xFF)) * 0x0000_0100_0000_01B3L;
        }
        return new CounterRng(seed, mix(mix(hash) + (modelIndex + 1L) * 0x9E37_79B9_7F4A_7C15L));
    }

    /** The uniform float in [0, 1) at a stream index (index >= 0). */
    public float uniform(long index) {
        int[] block = new int[4];
        philox(index >>> 2, block);
        return toUnit(block[(int) (index & 3)]);
    }

    /** True with probability p: {@code uniform(index) < p}. */
    public boolean bernoulli(long index, float p) {
        return uniform(index) < p;
    }

    /** Writes {@code uniform(start + j)} to float j of {@code f32}, for j in [0, count). */
    public void fillUniform(MemorySegment f32, long start, long count) {
        SegmentChecks.f32(f32, count, "f32");
        if (start < 0) {
            throw new IllegalArgumentException("negative stream index " + start);
        }
        int[] block = new int[4];
        long j = 0;
        while (j < count) {
            long index = start + j;
            philox(index >>> 2, block);
            for (int word = (int) (index & 3); word < 4 && j < count; word++, j++) {
                f32.setAtIndex(Layouts.F32, j, toUnit(block[word]));
            }
        }
    }

    private static float toUnit(int word) {
        return (word >>> 8) * 0x1p-24f;
    }

    private void philox(long blockIndex, int[] out) {
        philox4x32x10((int) blockIndex, (int) (blockIndex >>> 32), stream0, stream1, key0, key1, out);
    }

    /** Philox4x32 with 10 rounds on counter (c0..c3) and key (k0, k1). Package-private for known-answer tests. */
    static void philox4x32x10(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            long product0 = (M0 & 0xFFFF_FFFFL) * (c0 & 0xFFFF_FFFFL);
            long product1 = (M1 & 0xFFFF_FFFFL) * (c2 & 0xFFFF_FFFFL);
            int next0 = (int) (product1 >>> 32) ^ c1 ^ k0;
            int next1 = (int) product1;
            int next2 = (int) (product0 >>> 32) ^ c3 ^ k1;
            int next3 = (int) product0;
            c0 = next0;
            c1 = next1;
            c2 = next2;
            c3 = next3;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** SplitMix64's finaliser: a bijective 64-bit mix. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}

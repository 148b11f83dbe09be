package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact k-th smallest (or largest) magnitude |x| over float32 data that arrives as many segments, in two streaming
 * passes with O(2^16) memory, whatever the total count (beyond 2^31 included). This is how one global magnitude
 * threshold over a whole flattened model is found (FusionBench TIES trims all task vectors with one threshold).
 *
 * <p>Why it is exact: with the sign bit cleared, the IEEE-754 bit patterns of float32 magnitudes order like the
 * magnitudes themselves (as non-negative ints), and the NaN patterns sort above infinity. Pass 1 counts the top 16
 * bits of every |x|; {@link #secondPass(long)} finds the bucket that holds the k-th smallest; pass 2 counts the low 16
 * bits of the elements in that bucket, which pins the exact bit pattern.
 *
 * <p>Usage: {@code var s = AbsHistogramSelector.firstPass(); for (seg : data) s.accept(seg, n); s.secondPass(k);
 * for (seg : data) s.accept(seg, n); float t = s.result();} Both passes must see the same elements (order and
 * chunking may differ); a different element count is detected and reported.
 *
 * <p>Semantics: {@code -0.0} and {@code +0.0} are both magnitude zero; NaNs count as larger than infinity (a NaN
 * result means the k-th smallest magnitude is a NaN). The result is the exact k-th order statistic, so with ties
 * {@code count(|x| >= t)} can exceed {@code n - k + 1}; callers that keep {@code |x| >= t} keep every tie.
 *
 * <p>Not thread-safe. To count on several threads, give each thread a {@link #share()} of the selector and
 * {@link #join} the shares back after each pass: the histograms are integer counts, so the result is the same
 * whatever the number of shares and whichever elements each one saw.
 */
public final class AbsHistogramSelector {
    private static final int BUCKETS = 1 << 16;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    private enum Phase { FIRST, SECOND, DONE, JOINED }

    private final long[] histogram = new long[BUCKETS]; // pass 1: by top 16 bits of |x|; pass 2: by low 16 bits
    private Phase phase = Phase.FIRST;
    private long firstPassCount;
    private long secondPassCount;
    private int bucket;              // top 16 bits of the answer
    private long bucketPopulation;   // elements in that bucket, from pass 1
    private long rankInBucket;       // 1-based rank of the answer among them
    private float result;

    private AbsHistogramSelector() {
    }

    /** A selector ready for the first pass. */
    public static AbsHistogramSelector firstPass() {
        return new AbsHistogramSelector();
    }

    /** Feeds {@code count} float32 elements (in the current pass). */
    public void accept(MemorySegment f32, long count) {
        SegmentChecks.f32(f32, count, "f32");
        switch (phase) {
            case FIRST -> {
                countTopBits(f32, count);
                firstPassCount += count;
            }
            case SECOND -> {
                countInBucket(f32, count);
                secondPassCount += count;
            }
            case DONE -> throw new IllegalStateException("the selection is finished; accept() after result()");
            case JOINED -> throw new IllegalStateException("this share was joined; accept() after join()");
        }
    }

    /** Pass 1: the top 16 bits of every |x|. */
    private void countTopBits(MemorySegment f32, long count) {
        for (long i = 0; i < count; i++) {
            histogram[(f32.getAtIndex(Layouts.I32, i) & 0x7FFF_FFFF) >>> 16]++;
        }
    }

    /**
     * Pass 2: the low 16 bits of the elements in the chosen bucket. Whole vectors outside it are skipped, and
     * elements whose low bits are 0 are counted a vector at a time: differences of BF16 or F16 values have few
     * significant bits, so that is where a bucket holding many tied magnitudes has most of them.
     */
    private void countInBucket(MemorySegment f32, long count) {
        int lanes = INTS.length();
        long bound = count - count % lanes;
        int[] low = new int[lanes];
        int lowest = bucket << 16;
        long lowZero = 0;
        long i = 0;
        for (; i < bound; i += lanes) {
            IntVector magnitudes = IntVector.fromMemorySegment(INTS, f32, i * Integer.BYTES, ByteOrder.LITTLE_ENDIAN)
                    .and(0x7FFF_FFFF);
            VectorMask<Integer> inBucket = magnitudes.lanewise(VectorOperators.LSHR, 16).compare(VectorOperators.EQ, bucket);
            if (inBucket.anyTrue()) {
                VectorMask<Integer> exact = magnitudes.compare(VectorOperators.EQ, lowest);
                lowZero += exact.trueCount();
                long others = inBucket.andNot(exact).toLong();
                if (others != 0) {
                    magnitudes.and(0xFFFF).intoArray(low, 0);
                    for (; others != 0; others &= others - 1) {
                        histogram[low[Long.numberOfTrailingZeros(others)]]++;
                    }
                }
            }
        }
        histogram[0] += lowZero;
        for (; i < count; i++) {
            int magnitude = f32.getAtIndex(Layouts.I32, i) & 0x7FFF_FFFF;
            if (magnitude >>> 16 == bucket) {
                histogram[magnitude & 0xFFFF]++;
            }
        }
    }

    /**
     * An empty selector in this one's pass (and, in pass 2, for the same bucket), to count part of the data on
     * another thread; {@link #join} adds its counts back.
     */
    public AbsHistogramSelector share() {
        if (finished()) {
            throw new IllegalStateException("share() of a finished selection or a joined share");
        }
        AbsHistogramSelector share = new AbsHistogramSelector();
        share.phase = phase;
        share.bucket = bucket;
        share.bucketPopulation = bucketPopulation;
        share.rankInBucket = rankInBucket;
        return share;
    }

    /** Adds the counts of a {@link #share()} taken in the current pass (the share must not be used afterwards). */
    public void join(AbsHistogramSelector share) {
        if (share == this || finished() || share.phase != phase || share.bucket != bucket) {
            throw new IllegalArgumentException("not a share of this selector's current pass");
        }
        for (int b = 0; b < BUCKETS; b++) {
            histogram[b] += share.histogram[b];
        }
        firstPassCount += share.firstPassCount;
        secondPassCount += share.secondPassCount;
        share.phase = Phase.JOINED;
    }

    private boolean finished() {
        return phase == Phase.DONE || phase == Phase.JOINED;
    }

    /** Elements seen in the first pass. */
    public long count() {
        return firstPassCount;
    }

    /** Ends the first pass and starts the second, selecting the k-th smallest magnitude (1-based). */
    public void secondPass(long k) {
        if (phase != Phase.FIRST) {
            throw new IllegalStateException("secondPass() called twice");
        }
        if (k < 1 || k > firstPassCount) {
            throw new IllegalArgumentException("k = " + k + " is outside 1.." + firstPassCount + " (elements seen)");
        }
        long below = 0;
        int chosen = 0;
        while (below + histogram[chosen] < k) {
            below += histogram[chosen];
            chosen++;
        }
        bucket = chosen;
        bucketPopulation = histogram[chosen];
        rankInBucket = k - below;
        java.util.Arrays.fill(histogram, 0);
        phase = Phase.SECOND;
    }

    /** Ends the first pass and starts the second, selecting the k-th largest magnitude (1-based). */
    public void secondPassLargest(long k) {
        if (k < 1 || k > firstPassCount) {
            throw new IllegalArgumentException("k = " + k + " is outside 1.." + firstPassCount + " (elements seen)");
        }
        secondPass(firstPassCount - k + 1);
    }

    /** The selected magnitude; ends the second pass. */
    public float result() {
        if (phase == Phase.DONE) {
            return result;
        }
        if (phase == Phase.JOINED) {
            throw new IllegalStateException("result() of a joined share");
        }
        if (phase != Phase.SECOND) {
            throw new IllegalStateException("result() before secondPass()");
        }
        if (secondPassCount != firstPassCount) {
            throw new IllegalStateException("the second pass saw " + secondPassCount + " elements but the first saw "
                    + firstPassCount + "; both passes must see the same data");
        }
        long seen = 0;
        int low = 0;
        while (low < BUCKETS && seen + histogram[low] < rankInBucket) {
            seen += histogram[low];
            low++;
        }
        long population = 0;
        for (long c : histogram) {
            population += c;
        }
        if (low == BUCKETS || population != bucketPopulation) {
            throw new IllegalStateException("the second pass saw different data than the first (bucket held "
                    + bucketPopulation + " elements, now " + population + ")");
        }
        result = Float.intBitsToFloat(bucket << 16 | low);
        phase = Phase.DONE;
        return result;
    }
}

package amalgam.fusion.method;

import amalgam.tensor.Tensor;

/**
 * Exact streaming selection of the j-th smallest |x| (1-based) over values seen in two passes, as torch's
 * kthvalue would return it. |x| as raw float bits orders like the value, so pass one counts the high 16 bits
 * and pass two the low 16 bits of the values inside the chosen high bucket. Memory: two 64 Ki-entry counters.
 */
final class ExactAbsSelection {
    private final long rank;
    private long[] counts = new long[1 << 16];
    private int highBucket = -1;
    private long rankInBucket;
    private float result = Float.NaN;

    /** Selection of the {@code rank}-th smallest magnitude; rank 0 selects 0 (every |x| ≥ 0 then survives). */
    ExactAbsSelection(long rank) {
        this.rank = rank;
        if (rank == 0) {
            result = 0f;
        }
    }

    private static int bits(float x) {
        return Float.floatToRawIntBits(x) & 0x7fffffff;
    }

    void countFirstPass(Tensor values) {
        if (rank == 0) {
            return;
        }
        for (long i = 0, n = values.elementCount(); i < n; i++) {
            counts[bits(values.getFloat(i)) >>> 16]++;
        }
    }

    /** Ends the first pass; {@code total} is the number of values counted (must be ≥ rank). */
    void finishFirstPass() {
        if (rank == 0) {
            return;
        }
        long seen = 0;
        for (int bucket = 0; bucket < counts.length; bucket++) {
            if (seen + counts[bucket] >= rank) {
                highBucket = bucket;
                rankInBucket = rank - seen;
                break;
            }
            seen += counts[bucket];
        }
        if (highBucket < 0) {
            throw new IllegalStateException("rank " + rank + " exceeds the " + seen + " values counted");
        }
        counts = new long[1 << 16];
    }

    void countSecondPass(Tensor values) {
        if (rank == 0) {
            return;
        }
        for (long i = 0, n = values.elementCount(); i < n; i++) {
            int b = bits(values.getFloat(i));
            if (b >>> 16 == highBucket) {
                counts[b & 0xffff]++;
            }
        }
    }

    void finishSecondPass() {
        if (rank == 0) {
            return;
        }
        long seen = 0;
        for (int low = 0; low < counts.length; low++) {
            seen += counts[low];
            if (seen >= rankInBucket) {
                result = Float.intBitsToFloat(highBucket << 16 | low);
                counts = null;
                return;
            }
        }
        throw new IllegalStateException("second pass saw fewer values than the first");
    }

    float result() {
        return result;
    }
}

package amalgam.fusion.method.analysis;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Positions of a flattened task vector to look at: all of them, or {@code count} distinct ones drawn with the run's
 * seed (Floyd's algorithm, then sorted), the same for every model.
 */
final class SampledPositions {
    private final long[] positions; // null: all

    private SampledPositions(long[] positions) {
        this.positions = positions;
    }

    /** {@code count} ≤ 0 or ≥ length: every position. */
    static SampledPositions of(long length, long count, long seed) {
        if (count <= 0 || count >= length) {
            return new SampledPositions(null);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new amalgam.UserInputException("max_points_per_model " + count + " is too large to sample");
        }
        SplittableRandom random = new SplittableRandom(seed);
        java.util.HashSet<Long> chosen = new java.util.HashSet<>();
        for (long j = length - count; j < length; j++) {
            long candidate = random.nextLong(j + 1);
            chosen.add(chosen.contains(candidate) ? j : candidate);
        }
        long[] sorted = chosen.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return new SampledPositions(sorted);
    }

    /** Calls {@code action} with each chosen index inside the tensor [offset, offset + size), relative to the tensor. */
    void forEachIn(long offset, long size, LongConsumer action) {
        if (positions == null) {
            for (long i = 0; i < size; i++) {
                action.accept(i);
            }
            return;
        }
        int from = Arrays.binarySearch(positions, offset);
        for (int k = from < 0 ? -from - 1 : from; k < positions.length && positions[k] < offset + size; k++) {
            action.accept(positions[k] - offset);
        }
    }
}

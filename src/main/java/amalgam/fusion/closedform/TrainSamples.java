package amalgam.fusion.closedform;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which train images a statistic reads, in batches, as FusionBench's data loaders hand them out: batches are taken
 * until at least {@code examples} images were seen, so the count is whole batches (N = 20 with batch 8 reads 24
 * images, spec §10.2), or the whole split when it is smaller.
 */
public final class TrainSamples {
    private TrainSamples() {
    }

    /** The first images of the split in dataset order (no shuffle), in batches: Fisher merging. */
    public static List<int[]> inOrder(int splitSize, int examples, int batchSize) {
        int[] order = new int[splitSize];
        for (int i = 0; i < splitSize; i++) {
            order[i] = i;
        }
        return batches(order, examples, batchSize);
    }

    /**
     * A shuffled order of the split, fixed by the run's seed and the task's name (so each task's order does not depend
     * on which other tasks the pool has), in batches: RegMean, RegMean++, trust region.
     */
    public static List<int[]> shuffled(int splitSize, int examples, int batchSize, long seed, String task) {
        int[] order = new int[splitSize];
        for (int i = 0; i < splitSize; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + task.hashCode());
        for (int i = splitSize - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return batches(order, examples, batchSize);
    }

    /** Batches over {@code order} until at least {@code examples} indices were taken (or the order ends). */
    static List<int[]> batches(int[] order, int examples, int batchSize) {
        if (batchSize < 1 || examples < 1) {
            throw new IllegalArgumentException("batch size and example count must be >= 1, got " + batchSize + " and " + examples);
        }
        List<int[]> batches = new ArrayList<>();
        int taken = 0;
        while (taken < examples && taken < order.length) {
            int size = Math.min(batchSize, order.length - taken);
            int[] batch = new int[size];
            System.arraycopy(order, taken, batch, 0, size);
            batches.add(batch);
            taken += size;
        }
        return batches;
    }
}

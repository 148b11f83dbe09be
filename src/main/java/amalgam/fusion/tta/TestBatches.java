package amalgam.fusion.tta;

import java.util.SplittableRandom;

/**
 * Batches of indices of one split, drawn as FusionBench's test-time loaders draw them: an endless sequence of epochs,
 * each a fresh uniformly random permutation of the split cut into consecutive batches of {@code batchSize} (the
 * last batch of an epoch has the remainder, as a data loader that does not drop it), then the next epoch. The order
 * depends only on the seed.
 */
public final class TestBatches {
    private final int size;
    private final int batchSize;
    private final SplittableRandom random;
    private final int[] order;
    private int position;

    /**
     * @param size      images in the split (at least one)
     * @param batchSize images per batch (at least one)
     * @param random    the stream the permutations are drawn from (one per task)
     */
    public TestBatches(int size, int batchSize, SplittableRandom random) {
        if (size < 1 || batchSize < 1) {
            throw new IllegalArgumentException("need a non-empty split and a positive batch size, got " + size + " and " + batchSize);
        }
        this.size = size;
        this.batchSize = batchSize;
        this.random = random;
        this.order = new int[size];
        this.position = size; // the first call starts an epoch
    }

    /** The next batch's indices into the split. */
    public int[] next() {
        if (position == size) {
            shuffle();
            position = 0;
        }
        int count = Math.min(batchSize, size - position);
        int[] batch = new int[count];
        System.arraycopy(order, position, batch, 0, count);
        position += count;
        return batch;
    }

    /** A new epoch's order: Fisher-Yates over 0..size-1. */
    private void shuffle() {
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }
}

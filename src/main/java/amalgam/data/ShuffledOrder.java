package amalgam.data;

import java.util.SplittableRandom;

/**
 * Sample indices 0..n−1 as an infinite loader visits them: a seeded Fisher–Yates shuffle at the start of every epoch
 * (or the dataset order, unshuffled). The same seed gives the same sequence on any machine and thread count.
 */
public final class ShuffledOrder {
    private final int[] indices;
    private final SplittableRandom random; // null: dataset order
    private int position;

    /** Reshuffled every epoch from {@code seed}. */
    public ShuffledOrder(int count, long seed) {
        this(count, new SplittableRandom(seed));
    }

    /** Reshuffled every epoch from {@code random} (e.g. one stream per task split off a run's generator). */
    public ShuffledOrder(int count, SplittableRandom random) {
        if (count < 1) {
            throw new IllegalArgumentException("cannot draw from an empty split");
        }
        indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = i;
        }
        this.random = random;
        position = random == null ? 0 : count;
    }

    /** The dataset order, epoch after epoch. */
    public static ShuffledOrder inOrder(int count) {
        return new ShuffledOrder(count, (SplittableRandom) null);
    }

    /**
     * The next batch as a data loader that does not drop its last batch draws it: {@code batchSize} indices, or what
     * is left of the epoch (a batch never spans two epochs).
     */
    public int[] nextBatch(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        int left = remainingInEpoch();
        int[] batch = new int[left == 0 ? Math.min(batchSize, indices.length) : Math.min(batchSize, left)];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = next();
        }
        return batch;
    }

    /** How many indices remain in the current epoch (0 at its end: the next call starts a new epoch). */
    public int remainingInEpoch() {
        return indices.length - position;
    }

    public int next() {
        if (position == indices.length) {
            if (random != null) {
                for (int i = indices.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int swap = indices[i];
                    indices[i] = indices[j];
                    indices[j] = swap;
                }
            }
            position = 0;
        }
        return indices[position++];
    }
}

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

    private ShuffledOrder(int count, SplittableRandom random) {
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
        return new ShuffledOrder(count, null);
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

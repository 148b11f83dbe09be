package amalgam.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Loader batches: every epoch a permutation of the split, its last batch the remainder; the order is the seed's. */
class ShuffledOrderTest {
    @Test
    void everyEpochIsAPermutationEndingWithTheRemainder() {
        ShuffledOrder batches = new ShuffledOrder(10, new SplittableRandom(5));
        int[][] epochs = new int[3][];
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] a = batches.nextBatch(4);
            int[] b = batches.nextBatch(4);
            int[] c = batches.nextBatch(4);
            assertEquals(4, a.length);
            assertEquals(4, b.length);
            assertEquals(2, c.length);
            int[] all = new int[10];
            System.arraycopy(a, 0, all, 0, 4);
            System.arraycopy(b, 0, all, 4, 4);
            System.arraycopy(c, 0, all, 8, 2);
            epochs[epoch] = all.clone();
            Arrays.sort(all);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);
        }
        assertNotEquals(Arrays.toString(epochs[0]), Arrays.toString(epochs[1]), "reshuffled every epoch");
    }

    @Test
    void theSameSeedGivesTheSameOrder() {
        ShuffledOrder first = new ShuffledOrder(7, new SplittableRandom(9));
        ShuffledOrder second = new ShuffledOrder(7, new SplittableRandom(9));
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(first.nextBatch(3), second.nextBatch(3));
        }
    }
}

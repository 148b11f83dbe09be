package amalgam.data.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.UserInputException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * FusionBench's {@code train_validation_split} is torch's {@code random_split} with a seeded generator; the values below
 * were printed by torch 1.13: {@code torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()} and
 * {@code random_split(range(103), [93, 10], generator=torch.Generator().manual_seed(0))[1].indices}.
 */
class RandomSubsetTest {
    @Test
    void permutationsAreTorchs() {
        assertArrayEquals(new int[] {4, 1, 7, 5, 3, 9, 0, 8, 6, 2}, RandomSubset.permutation(10, 0));
        assertArrayEquals(new int[] {44, 19, 93, 90, 71, 69, 37, 95}, Arrays.copyOf(RandomSubset.permutation(100, 0), 8));
        assertArrayEquals(new int[] {760, 206, 932, 745, 263, 354}, Arrays.copyOfRange(RandomSubset.permutation(1000, 0), 994, 1000));
        int[] large = RandomSubset.permutation(19850, 0);
        assertArrayEquals(new int[] {8094, 18520, 18607, 7169, 17651, 8939, 12825, 9955}, Arrays.copyOf(large, 8));
        assertArrayEquals(new int[] {16223, 14199, 12428, 15341, 7933, 5265}, Arrays.copyOfRange(large, 19844, 19850));
        assertArrayEquals(new int[] {2, 25, 21, 7, 29, 26}, Arrays.copyOfRange(RandomSubset.permutation(37, 12345), 31, 37));
    }

    @Test
    void thePartsAreRandomSplitsParts() {
        // int(103 * 0.1) = 10 validation rows: the last 10 of the permutation
        assertArrayEquals(new int[] {26, 95, 53, 46, 2, 48, 35, 18, 30, 29}, new RandomSubset(0.1, null, 0, true).rows(103));
        int[] training = new RandomSubset(null, 10, 0, false).rows(103);
        assertEquals(93, training.length);
        assertArrayEquals(Arrays.copyOf(RandomSubset.permutation(103, 0), 93), training);
        assertThrows(UserInputException.class, () -> new RandomSubset(0.1, 5, 0, true));
        assertThrows(UserInputException.class, () -> new RandomSubset(1.5, null, 0, true));
        assertThrows(UserInputException.class, () -> new RandomSubset(null, 200, 0, true).rows(103));
    }
}

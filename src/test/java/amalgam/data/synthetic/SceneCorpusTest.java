package amalgam.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.data.image.RgbImage;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pre-training corpus: deterministic per (seed, family, sample), balanced, and families look different. */
class SceneCorpusTest {
    @Test
    void deterministicBalancedAndSeedDependent() {
        SceneCorpus corpus = new SceneCorpus(16, 7);
        assertEquals(16, corpus.classNames().size());
        SyntheticDataset data = new SyntheticDataset(corpus, SyntheticDataset.Split.TRAIN, 64, 7);
        SyntheticDataset again = new SyntheticDataset(new SceneCorpus(16, 7), SyntheticDataset.Split.TRAIN, 64, 7);
        SyntheticDataset otherRecipes = new SyntheticDataset(new SceneCorpus(16, 8), SyntheticDataset.Split.TRAIN, 64, 7);
        int[] perClass = new int[16];
        int differ = 0;
        for (int i = 0; i < data.size(); i++) {
            RgbImage image = data.image(i);
            assertEquals(SyntheticTask.IMAGE_SIZE, image.width());
            assertArrayEquals(image.pixels(), again.image(i).pixels());
            differ += Arrays.equals(image.pixels(), otherRecipes.image(i).pixels()) ? 0 : 1;
            perClass[data.label(i)]++;
        }
        assertEquals(64, differ, "other recipes, other images");
        assertTrue(Arrays.stream(perClass).allMatch(count -> count == 4), Arrays.toString(perClass));
    }

    @Test
    void familiesDifferOnAverageMoreThanSamplesWithinAFamily() {
        SceneCorpus corpus = new SceneCorpus(8, 3);
        SyntheticDataset data = new SyntheticDataset(corpus, SyntheticDataset.Split.TRAIN, 8 * 20, 3);
        double[][] means = new double[8][3];
        for (int i = 0; i < data.size(); i++) {
            RgbImage image = data.image(i);
            for (int c = 0; c < 3; c++) {
                double total = 0;
                for (int p = c; p < image.pixels().length; p += 3) {
                    total += image.pixels()[p] & 0xFF;
                }
                means[data.label(i)][c] += total / (image.pixels().length / 3.0) / 20;
            }
        }
        Set<String> distinct = new HashSet<>();
        for (double[] mean : means) {
            distinct.add(Math.round(mean[0] / 8) + "," + Math.round(mean[1] / 8) + "," + Math.round(mean[2] / 8));
        }
        assertTrue(distinct.size() >= 6, "mean colours of the families: " + Arrays.deepToString(means));
        assertFalse(corpus.classNames().get(0).equals(corpus.classNames().get(1)));
    }
}

package amalgam.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.data.image.RgbImage;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {
    @ParameterizedTest
    @ValueSource(strings = {"shapes", "textures", "counting", "orientation", "position", "symmetry"})
    void deterministicBalancedAndSplitsDiffer(String name) {
        SyntheticTask task = SyntheticDataset.task(name);
        SyntheticDataset test = new SyntheticDataset(task, SyntheticDataset.Split.TEST, 80, 0);
        SyntheticDataset same = new SyntheticDataset(task, SyntheticDataset.Split.TEST, 80, 0);
        SyntheticDataset reseeded = new SyntheticDataset(task, SyntheticDataset.Split.TEST, 80, 1);
        SyntheticDataset train = new SyntheticDataset(task, SyntheticDataset.Split.TRAIN, 80, 0);
        int[] perClass = new int[task.classNames().size()];
        for (int i = 0; i < test.size(); i++) {
            RgbImage image = test.image(i);
            assertEquals(SyntheticTask.IMAGE_SIZE, image.width());
            assertArrayEquals(image.pixels(), same.image(i).pixels(), "same seed, same pixels");
            assertFalse(Arrays.equals(image.pixels(), reseeded.image(i).pixels()), "another seed, other pixels");
            assertFalse(Arrays.equals(image.pixels(), train.image(i).pixels()), "splits share no image");
            perClass[test.label(i)]++;
        }
        int min = Arrays.stream(perClass).min().orElseThrow();
        int max = Arrays.stream(perClass).max().orElseThrow();
        assertTrue(max - min <= 1, "balanced: " + Arrays.toString(perClass));
    }

    @Test
    void positionLabelsNameTheCellOfTheObjectCentre() {
        for (int label = 0; label < 9; label++) {
            double[] centre = PositionTask.centre(label, 2, -2);
            int cell = (int) (centre[1] / (SyntheticTask.IMAGE_SIZE / 3.0)) * 3 + (int) (centre[0] / (SyntheticTask.IMAGE_SIZE / 3.0));
            assertEquals(label, cell);
        }
    }

    @Test
    void symmetryLabelsHoldOnTheBlockPattern() {
        SyntheticDataset data = new SyntheticDataset(new SymmetryTask(), SyntheticDataset.Split.TEST, 40, 3);
        for (int i = 0; i < data.size(); i++) {
            RgbImage image = data.image(i);
            int label = data.label(i);
            int cells = SyntheticTask.IMAGE_SIZE / 4;
            for (int y = 0; y < cells && label < 3; y++) {
                for (int x = 0; x < cells; x++) {
                    int mirrorX = label == 1 ? x : cells - 1 - x;
                    int mirrorY = label == 0 ? y : cells - 1 - y;
                    assertTrue(Math.abs(blockMean(image, x, y) - blockMean(image, mirrorX, mirrorY)) < 20,
                            "sample " + i + " label " + label + " block " + x + "," + y);
                }
            }
        }
    }

    private static double blockMean(RgbImage image, int blockX, int blockY) {
        double sum = 0;
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                sum += image.sample(blockY * 4 + y, blockX * 4 + x, 0);
            }
        }
        return sum / 16;
    }
}

package amalgam.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.data.BuiltInTasks;
import amalgam.data.LabelledImages;
import amalgam.data.mnist.MnistDataset;
import amalgam.data.mnist.MnistSplit;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped MNIST-family splits: test = the first images of the official test split, val = the next ones, train =
 * the first official training images, unchanged; the shipped zoo holds exactly those (the real datasets come from
 * scripts/fetch-datasets.sh, which ./test runs first).
 */
class ZooDataTest {
    @TempDir
    Path temp;

    @Test
    void shippedTestSplitsAreTheFirstOfficialTestImages() {
        ZooRecipe recipe = ZooBuilderTest.TINY;
        ZooData.shipSplits(recipe, "mnist", temp);
        MnistDataset official = MnistDataset.load("mnist", BuiltInTasks.dataDirectory("mnist"), MnistDataset.DIGITS);
        int size = recipe.testSize();
        assertSame(official.test(), 0, ZooData.test(recipe, "mnist", temp), size, 1);
        assertSame(official.test(), size, ZooData.valSplit(recipe, "mnist", temp), size, 1);
        assertSame(official.train(), 0, ZooData.trainSplit(recipe, "mnist", temp), size, 1);
        Path zoo = Path.of(System.getProperty("amalgam.home"), "zoo", "mini8");
        int shipped = ZooRecipe.MINI8.testSize();
        assertSame(official.test(), 0, ZooData.test(ZooRecipe.MINI8, "mnist", zoo), shipped, 97);
        assertSame(official.test(), shipped, ZooData.valSplit(ZooRecipe.MINI8, "mnist", zoo), shipped, 97);
        assertSame(official.train(), 0, ZooData.trainSplit(ZooRecipe.MINI8, "mnist", zoo), shipped, 97);
    }

    /** Every {@code step}-th image of {@code split} equals official image {@code first + i}, padded to 32x32 RGB. */
    private static void assertSame(MnistSplit official, int first, LabelledImages split, int size, int step) {
        assertEquals(size, split.size());
        for (int i = 0; i < split.size(); i += step) {
            assertEquals(official.labels()[first + i], split.label(i));
            assertArrayEquals(BuiltInTasks.padToRgb32(official, first + i).pixels(), split.image(i).pixels());
        }
    }
}

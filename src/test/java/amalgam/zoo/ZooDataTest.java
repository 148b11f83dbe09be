package amalgam.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import amalgam.data.BuiltInTasks;
import amalgam.data.LabelledImages;
import amalgam.data.mnist.MnistDataset;
import amalgam.data.mnist.MnistSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped MNIST-family test splits are the first images of the official test split, unchanged; the shipped zoo
 * holds exactly those (the real datasets come from scripts/fetch-datasets.sh; without them the check is skipped).
 */
class ZooDataTest {
    @TempDir
    Path temp;

    @Test
    void shippedTestSplitsAreTheFirstOfficialTestImages() {
        Path official = Path.of(".data", "mnist");
        assumeTrue(Files.isDirectory(official), "MNIST not fetched");
        ZooRecipe recipe = ZooBuilderTest.TINY;
        ZooData.shipTestSplit(recipe, "mnist", temp);
        LabelledImages shipped = ZooData.test(recipe, "mnist", temp);
        MnistSplit test = MnistDataset.loadTest(BuiltInTasks.dataDirectory("mnist"), 10);
        assertEquals(recipe.testSize(), shipped.size());
        for (int i = 0; i < shipped.size(); i++) {
            assertEquals(test.labels()[i], shipped.label(i));
            assertArrayEquals(BuiltInTasks.padToRgb32(test, i).pixels(), shipped.image(i).pixels());
        }
        Path zoo = Path.of(System.getProperty("amalgam.home"), "zoo", "mini8");
        LabelledImages inTheZoo = ZooData.test(ZooRecipe.MINI8, "mnist", zoo);
        assertEquals(ZooRecipe.MINI8.testSize(), inTheZoo.size());
        for (int i = 0; i < inTheZoo.size(); i += 97) {
            assertEquals(test.labels()[i], inTheZoo.label(i));
            assertArrayEquals(BuiltInTasks.padToRgb32(test, i).pixels(), inTheZoo.image(i).pixels());
        }
    }
}

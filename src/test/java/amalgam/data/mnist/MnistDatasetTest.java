package amalgam.data.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The real datasets as scripts/fetch-datasets.sh installs them (skipped where they are absent). */
class MnistDatasetTest {
    private static Path data(String name) {
        Path directory = Path.of(".data", name);
        assumeTrue(Files.isDirectory(directory), name + " not fetched (run scripts/fetch-datasets.sh)");
        return directory;
    }

    @Test
    void mnistHasItsKnownSizesAndFirstLabels() {
        MnistDataset mnist = MnistDataset.load("mnist", data("mnist"), MnistDataset.DIGITS);
        assertEquals(60000, mnist.train().size());
        assertEquals(10000, mnist.test().size());
        assertEquals(28, mnist.train().height());
        assertEquals(5, mnist.train().labels()[0]);
        assertEquals(7, mnist.test().labels()[0]);
        int[] perClass = new int[10];
        for (int label : mnist.test().labels()) {
            perClass[label]++;
        }
        assertEquals(980, perClass[0]);
        assertEquals(1135, perClass[1]);
    }

    @Test
    void fashionMnistIsBalancedAndStartsWithAnAnkleBoot() {
        MnistDataset fashion = MnistDataset.load("fashion_mnist", data("fashion-mnist"), MnistDataset.FASHION);
        assertEquals(60000, fashion.train().size());
        assertEquals("Ankle boot", fashion.classNames().get(fashion.train().labels()[0]));
        int[] perClass = new int[10];
        for (int label : fashion.test().labels()) {
            perClass[label]++;
        }
        for (int count : perClass) {
            assertEquals(1000, count);
        }
    }
}

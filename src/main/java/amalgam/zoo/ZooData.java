package amalgam.zoo;

import amalgam.data.BuiltInTasks;
import amalgam.data.LabelledImages;
import amalgam.data.idx.IdxWriter;
import amalgam.data.image.RgbImage;
import amalgam.data.mnist.MnistDataset;
import amalgam.data.mnist.MnistSplit;
import amalgam.data.synthetic.SyntheticDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The splits of the zoo's tasks. Synthetic tasks are drawn from the recipe's data seed; MNIST and Fashion-MNIST
 * train on the official training split (from the datasets folder, see {@link BuiltInTasks#dataDirectory}) and test
 * on the first {@code testSize} images of the official test split, which the zoo ships under {@code data/} so the
 * benchmark runs from a fresh clone.
 */
public final class ZooData {
    private ZooData() {
    }

    public static boolean isMnistFamily(String task) {
        return task.equals("mnist") || task.equals("fashion_mnist");
    }

    /** Folder name of an MNIST-family dataset (under the datasets folder and under the zoo's data/). */
    static String folder(String task) {
        return task.equals("mnist") ? "mnist" : "fashion-mnist";
    }

    public static LabelledImages train(ZooRecipe recipe, String task) {
        if (isMnistFamily(task)) {
            MnistDataset dataset = MnistDataset.load(task, BuiltInTasks.dataDirectory(folder(task)), classNames(task));
            return padded(dataset.train(), dataset.train().size());
        }
        return new SyntheticDataset(SyntheticDataset.task(task), SyntheticDataset.Split.TRAIN, recipe.syntheticTrain(), recipe.dataSeed());
    }

    /** The test split as the zoo in {@code zooDirectory} ships it. */
    public static LabelledImages test(ZooRecipe recipe, String task, Path zooDirectory) {
        if (isMnistFamily(task)) {
            MnistSplit split = MnistDataset.loadTest(zooDirectory.resolve("data").resolve(folder(task)), classNames(task).size());
            return padded(split, Math.min(split.size(), recipe.testSize()));
        }
        return new SyntheticDataset(SyntheticDataset.task(task), SyntheticDataset.Split.TEST, recipe.testSize(), recipe.dataSeed());
    }

    public static java.util.List<String> classNames(String task) {
        return switch (task) {
            case "mnist" -> MnistDataset.DIGITS;
            case "fashion_mnist" -> MnistDataset.FASHION;
            default -> SyntheticDataset.task(task).classNames();
        };
    }

    /** Copies the first {@code testSize} official test images and labels of an MNIST-family task into the zoo. */
    static void shipTestSplit(ZooRecipe recipe, String task, Path zooDirectory) {
        MnistSplit test = MnistDataset.loadTest(BuiltInTasks.dataDirectory(folder(task)), classNames(task).size());
        int count = Math.min(test.size(), recipe.testSize());
        int pixels = test.height() * test.width();
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) test.labels()[i];
        }
        Path target = zooDirectory.resolve("data").resolve(folder(task));
        try {
            Files.createDirectories(target);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        IdxWriter.writeUnsignedBytes(target.resolve("t10k-images-idx3-ubyte.gz"), new int[] {count, test.height(), test.width()},
                Arrays.copyOf(test.images(), count * pixels));
        IdxWriter.writeUnsignedBytes(target.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {count}, labels);
    }

    private static LabelledImages padded(MnistSplit split, int count) {
        return new LabelledImages() {
            public int size() {
                return count;
            }

            public int label(int index) {
                return split.labels()[index];
            }

            public RgbImage image(int index) {
                return BuiltInTasks.padToRgb32(split, index);
            }
        };
    }
}

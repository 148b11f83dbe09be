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
 *
 * <p>The built-in task pool's splits, all {@code testSize} images per task: test as above; train = the first images
 * of the training data the task models were fine-tuned on (what data-dependent methods read, as FusionBench reads
 * the train split); val = images no model trained on and no method reads unless asked (synthetic: the validation
 * stream; MNIST-family: the next {@code testSize} images of the official test split). The MNIST-family train and val
 * images are shipped under {@code data/} too.
 */
public final class ZooData {
    private static final String TRAIN_PREFIX = "train";
    private static final String VAL_PREFIX = "val";
    private static final String TEST_PREFIX = "t10k";
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
        return shipped(recipe, task, zooDirectory, TEST_PREFIX, SyntheticDataset.Split.TEST);
    }

    /** The built-in task pool's train split: the first {@code testSize} images of the task's training data. */
    public static LabelledImages trainSplit(ZooRecipe recipe, String task, Path zooDirectory) {
        return shipped(recipe, task, zooDirectory, TRAIN_PREFIX, SyntheticDataset.Split.TRAIN);
    }

    /** The built-in task pool's validation split (no model trained on it; disjoint from test). */
    public static LabelledImages valSplit(ZooRecipe recipe, String task, Path zooDirectory) {
        return shipped(recipe, task, zooDirectory, VAL_PREFIX, SyntheticDataset.Split.VALIDATION);
    }

    private static LabelledImages shipped(ZooRecipe recipe, String task, Path zooDirectory, String prefix,
                                          SyntheticDataset.Split syntheticSplit) {
        if (isMnistFamily(task)) {
            MnistSplit split = MnistDataset.loadSplit(zooDirectory.resolve("data").resolve(folder(task)), prefix, classNames(task).size());
            return padded(split, Math.min(split.size(), recipe.testSize()));
        }
        return new SyntheticDataset(SyntheticDataset.task(task), syntheticSplit, recipe.testSize(), recipe.dataSeed());
    }

    public static java.util.List<String> classNames(String task) {
        return switch (task) {
            case "mnist" -> MnistDataset.DIGITS;
            case "fashion_mnist" -> MnistDataset.FASHION;
            default -> SyntheticDataset.task(task).classNames();
        };
    }

    /**
     * Copies an MNIST-family task's built-in splits into the zoo: test = the first {@code testSize} official test
     * images, val = the next {@code testSize}, train = the first {@code testSize} official training images.
     */
    public static void shipSplits(ZooRecipe recipe, String task, Path zooDirectory) {
        MnistDataset dataset = MnistDataset.load(task, BuiltInTasks.dataDirectory(folder(task)), classNames(task));
        Path target = zooDirectory.resolve("data").resolve(folder(task));
        try {
            Files.createDirectories(target);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        int size = recipe.testSize();
        ship(dataset.test(), 0, size, target, TEST_PREFIX);
        ship(dataset.test(), size, size, target, VAL_PREFIX);
        ship(dataset.train(), 0, size, target, TRAIN_PREFIX);
    }

    /** Images [first, first + count) of a split (fewer if it ends) as PREFIX-images/labels idx files. */
    private static void ship(MnistSplit split, int first, int count, Path target, String prefix) {
        int end = Math.min(split.size(), first + count);
        int pixels = split.height() * split.width();
        byte[] labels = new byte[Math.max(0, end - first)];
        for (int i = first; i < end; i++) {
            labels[i - first] = (byte) split.labels()[i];
        }
        IdxWriter.writeUnsignedBytes(target.resolve(prefix + "-images-idx3-ubyte.gz"), new int[] {labels.length, split.height(),
                split.width()}, Arrays.copyOfRange(split.images(), first * pixels, end * pixels));
        IdxWriter.writeUnsignedBytes(target.resolve(prefix + "-labels-idx1-ubyte.gz"), new int[] {labels.length}, labels);
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

package amalgam.data;

import amalgam.UserInputException;
import amalgam.data.image.RgbImage;
import amalgam.data.mnist.MnistDataset;
import amalgam.data.mnist.MnistSplit;
import amalgam.data.synthetic.SyntheticDataset;
import amalgam.data.synthetic.SyntheticTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in benchmark's eight tasks by name: MNIST and Fashion-MNIST (real data from {@code .data/}, filled by
 * scripts/fetch-datasets.sh, or {@code AMALGAM_DATA}) and the six synthetic tasks. MNIST-style 28x28 grayscale
 * images become 32x32 RGB by padding 2 pixels of black on each side (the digits keep their pixels exactly).
 */
public final class BuiltInTasks {
    public static final List<String> NAMES = List.of("mnist", "fashion_mnist", "shapes", "textures", "counting",
            "orientation", "position", "symmetry");

    private BuiltInTasks() {
    }

    /** Class names and up to {@code perClass} test samples of every class. */
    public record Preview(List<String> classNames, List<List<RgbImage>> samples) {
    }

    public static Preview preview(String name, int perClass, long seed) {
        return switch (name) {
            case "mnist" -> mnistPreview(MnistDataset.load("mnist", dataDirectory("mnist"), MnistDataset.DIGITS), perClass);
            case "fashion_mnist" -> mnistPreview(MnistDataset.load("fashion_mnist", dataDirectory("fashion-mnist"),
                    MnistDataset.FASHION), perClass);
            default -> syntheticPreview(SyntheticDataset.task(name), perClass, seed);
        };
    }

    /** Where a real dataset lives: $AMALGAM_DATA/NAME, else .data/NAME in the working directory. */
    public static Path dataDirectory(String name) {
        String root = System.getenv("AMALGAM_DATA");
        Path directory = (root == null ? Path.of(".data") : Path.of(root)).resolve(name);
        if (!Files.isDirectory(directory)) {
            throw new UserInputException("dataset '" + name + "' not found at '" + directory
                    + "'; run scripts/fetch-datasets.sh (or set AMALGAM_DATA)");
        }
        return directory;
    }

    /** A 28x28 grayscale image as 32x32 RGB, padded with black. */
    public static RgbImage padToRgb32(MnistSplit split, int index) {
        int size = 32;
        int pad = (size - split.width()) / 2;
        byte[] pixels = new byte[size * size * 3];
        for (int y = 0; y < split.height(); y++) {
            for (int x = 0; x < split.width(); x++) {
                byte value = (byte) split.pixel(index, y, x);
                int offset = ((y + pad) * size + x + pad) * 3;
                pixels[offset] = value;
                pixels[offset + 1] = value;
                pixels[offset + 2] = value;
            }
        }
        return new RgbImage(size, size, pixels);
    }

    private static Preview mnistPreview(MnistDataset dataset, int perClass) {
        List<List<RgbImage>> rows = new ArrayList<>();
        for (int c = 0; c < dataset.classNames().size(); c++) {
            rows.add(new ArrayList<>());
        }
        MnistSplit test = dataset.test();
        for (int i = 0; i < test.size(); i++) {
            List<RgbImage> row = rows.get(test.labels()[i]);
            if (row.size() < perClass) {
                row.add(padToRgb32(test, i));
            }
        }
        return new Preview(dataset.classNames(), rows);
    }

    /** Up to {@code perClass} samples of each of the first {@code classes} classes of any synthetic task. */
    public static Preview preview(SyntheticTask task, int classes, int perClass, long seed) {
        return syntheticPreview(task, perClass, seed, Math.min(classes, task.classNames().size()));
    }

    private static Preview syntheticPreview(SyntheticTask task, int perClass, long seed) {
        return syntheticPreview(task, perClass, seed, task.classNames().size());
    }

    private static Preview syntheticPreview(SyntheticTask task, int perClass, long seed, int shown) {
        int classes = task.classNames().size();
        SyntheticDataset test = new SyntheticDataset(task, SyntheticDataset.Split.TEST, classes * perClass, seed);
        List<List<RgbImage>> rows = new ArrayList<>();
        for (int c = 0; c < shown; c++) {
            rows.add(new ArrayList<>());
        }
        for (int i = 0; i < test.size(); i++) {
            if (test.label(i) < shown) {
                rows.get(test.label(i)).add(test.image(i));
            }
        }
        return new Preview(task.classNames().subList(0, shown), rows);
    }
}

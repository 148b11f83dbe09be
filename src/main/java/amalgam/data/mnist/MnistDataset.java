package amalgam.data.mnist;

import amalgam.UserInputException;
import amalgam.data.idx.IdxArray;
import amalgam.data.idx.IdxReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * MNIST or Fashion-MNIST from a directory holding the four standard IDX files ({@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each possibly
 * {@code .gz}), checked for consistent counts and label ranges.
 */
public record MnistDataset(String name, List<String> classNames, MnistSplit train, MnistSplit test) {
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    public static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    public static MnistDataset load(String name, Path directory, List<String> classNames) {
        return new MnistDataset(name, classNames, split(directory, "train", classNames.size()), split(directory, "t10k", classNames.size()));
    }

    /** Only the official test split (t10k files) of a dataset directory. */
    public static MnistSplit loadTest(Path directory, int classes) {
        return split(directory, "t10k", classes);
    }

    /** The split stored as {@code PREFIX-images-idx3-ubyte[.gz]} and {@code PREFIX-labels-idx1-ubyte[.gz]}. */
    public static MnistSplit loadSplit(Path directory, String prefix, int classes) {
        return split(directory, prefix, classes);
    }

    private static MnistSplit split(Path directory, String prefix, int classes) {
        IdxArray images = IdxReader.read(find(directory, prefix + "-images-idx3-ubyte"));
        IdxArray labels = IdxReader.read(find(directory, prefix + "-labels-idx1-ubyte"));
        if (images.dimensions().length != 3 || labels.dimensions().length != 1 || images.count() != labels.count()) {
            throw new UserInputException("'" + directory + "': " + prefix + " images and labels do not match (images "
                    + java.util.Arrays.toString(images.dimensions()) + ", labels " + java.util.Arrays.toString(labels.dimensions()) + ")");
        }
        byte[] pixels = new byte[images.values().length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) images.values()[i];
        }
        for (int label : labels.values()) {
            if (label < 0 || label >= classes) {
                throw new UserInputException("'" + directory + "': " + prefix + " label " + label + " is outside 0.." + (classes - 1));
            }
        }
        return new MnistSplit(images.dimensions()[1], images.dimensions()[2], pixels, labels.values());
    }

    private static Path find(Path directory, String base) {
        for (String candidate : List.of(base, base + ".gz", base.replace("-idx", ".idx"), base.replace("-idx", ".idx") + ".gz")) {
            Path file = directory.resolve(candidate);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new UserInputException("dataset directory '" + directory + "' has no " + base + " (or .gz)");
    }
}

package amalgam.data;

import amalgam.UserInputException;
import amalgam.data.image.ImageDecoder;
import amalgam.data.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A user's labelled images: one subfolder per class (sorted names are the class ids), PNG or JPEG files inside
 * (sorted), decoded on demand.
 */
public final class ImageFolderDataset implements LabelledImages {
    private final List<String> classNames;
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();

    private ImageFolderDataset(List<String> classNames) {
        this.classNames = classNames;
    }

    public static ImageFolderDataset open(Path root) {
        if (!Files.isDirectory(root)) {
            throw new UserInputException("image folder '" + root + "' does not exist");
        }
        List<Path> classes = list(root).stream().filter(Files::isDirectory).sorted().toList();
        if (classes.isEmpty()) {
            throw new UserInputException("image folder '" + root + "' has no class subfolders");
        }
        ImageFolderDataset dataset = new ImageFolderDataset(classes.stream().map(p -> p.getFileName().toString()).toList());
        for (int label = 0; label < classes.size(); label++) {
            List<Path> images = list(classes.get(label)).stream().filter(ImageFolderDataset::isImage).sorted().toList();
            if (images.isEmpty()) {
                throw new UserInputException("class folder '" + classes.get(label) + "' holds no PNG or JPEG images");
            }
            for (Path image : images) {
                dataset.files.add(image);
                dataset.labels.add(label);
            }
        }
        return dataset;
    }

    public List<String> classNames() {
        return classNames;
    }

    public int size() {
        return files.size();
    }

    public int label(int index) {
        return labels.get(index);
    }

    /**
     * What the images are, for caching results: the root, and every file's relative path, size and modification
     * time, hashed (re-reading every image would cost as much as evaluating it).
     */
    public String identity() {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < files.size(); i++) {
                Path file = files.get(i);
                String line = labels.get(i) + " " + file.toAbsolutePath() + " " + Files.size(file) + " "
                        + Files.getLastModifiedTime(file).toMillis() + "\n";
                digest.update(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UserInputException("cannot read image folder entries: " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file of image {@code index}. */
    public Path file(int index) {
        return files.get(index);
    }

    /** The decoded image; an unreadable file is a {@link UserInputException} naming it. */
    public RgbImage image(int index) {
        return ImageDecoder.read(files.get(index));
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(file) && (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg"));
    }

    private static List<Path> list(Path directory) {
        try (Stream<Path> children = Files.list(directory)) {
            return children.toList();
        } catch (IOException e) {
            throw new UserInputException("cannot list '" + directory + "': " + e.getMessage(), e);
        }
    }
}

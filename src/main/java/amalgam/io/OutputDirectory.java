package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

/**
 * The output directory of a merge, built in a hidden sibling staging directory and renamed into place only when
 * complete, so a failed or interrupted merge leaves nothing at the requested path. An existing target is
 * replaced only if it is empty or holds a previous model output (a safetensors checkpoint, or one per task in subdirectories).
 */
public final class OutputDirectory implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private boolean published;

    private OutputDirectory(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
    }

    public static OutputDirectory prepare(Path requested) {
        return prepare(requested, OutputDirectory::holdsModelOutput);
    }

    /** As {@link #prepare(Path)}, with the caller's test of what counts as an earlier output it may replace. */
    public static OutputDirectory prepare(Path requested, java.util.function.Predicate<Path> isEarlierOutput) {
        Path target = requested.toAbsolutePath().normalize();
        if (Files.exists(target)) {
            checkReplaceable(target, isEarlierOutput);
        }
        Path parent = target.getParent();
        try {
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, "." + target.getFileName() + ".partial-");
            AtomicFiles.makeReadable(staging, "rwxr-xr-x");
            return new OutputDirectory(target, staging);
        } catch (IOException e) {
            throw new UserInputException("cannot create the output directory next to '" + requested + "': " + e.getMessage(), e);
        }
    }

    /** Where the output is written until {@link #publish()}. */
    public Path staging() {
        return staging;
    }

    public Path target() {
        return target;
    }

    /** Moves the complete output into place (replacing an earlier output there). */
    public void publish() {
        try {
            Path previous = null;
            if (Files.exists(target)) {
                previous = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
                Files.delete(previous);
                Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            published = true;
            if (previous != null) {
                deleteTree(previous);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the output into " + target, e);
        }
    }

    @Override
    public void close() {
        if (!published) {
            deleteTree(staging);
        }
    }

    private static void checkReplaceable(Path target, java.util.function.Predicate<Path> isEarlierOutput) {
        if (!Files.isDirectory(target)) {
            throw new UserInputException("output path '" + target + "' exists and is not a directory");
        }
        try (Stream<Path> children = Files.list(target)) {
            boolean empty = children.findAny().isEmpty();
            if (!empty && !isEarlierOutput.test(target)) {
                throw new UserInputException("output directory '" + target
                        + "' exists, is not empty and holds no earlier output: refusing to replace it");
            }
        } catch (IOException e) {
            throw new UserInputException("cannot read output directory '" + target + "': " + e.getMessage(), e);
        }
    }

    private static boolean holdsModelOutput(Path directory) {
        try {
            return holdsModel(directory) || holdsPerTaskModels(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean holdsModel(Path directory) {
        return Files.exists(directory.resolve("model.safetensors")) || Files.exists(directory.resolve("model.safetensors.index.json"));
    }

    /** An earlier per-task output: only subdirectories, each holding a model. */
    private static boolean holdsPerTaskModels(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            List<Path> all = children.toList();
            return !all.isEmpty() && all.stream().allMatch(child -> Files.isDirectory(child) && holdsModel(child));
        }
    }

    /** Deletes a directory tree (used for staging and scratch directories). */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Copying and comparing output folders file by file (the determinism checks: same command, other thread count). */
final class OutputFiles {
    private OutputFiles() {
    }

    /** The two folders hold the same file names with the same bytes. */
    static void assertIdentical(Path expected, Path actual) {
        List<String> names = names(expected);
        assertEquals(names, names(actual), "file names");
        for (String name : names) {
            try {
                assertArrayEquals(Files.readAllBytes(expected.resolve(name)), Files.readAllBytes(actual.resolve(name)), name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A copy of the folder's files at {@code target} (the same command run again replaces the original). */
    static Path copy(Path directory, Path target) {
        try {
            for (String name : names(directory)) {
                Path file = target.resolve(name);
                Files.createDirectories(file.getParent());
                Files.copy(directory.resolve(name), file);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).map(file -> directory.relativize(file).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package amalgam.testing;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test fixtures: small checkpoints and merge cases with outputs computed by reference implementations, kept in
 * the test resources ({@code src/test/resources/fixtures}, see its README for where they come from) and found on
 * the test class path. A fixture that is missing fails the test that needs it: nothing skips.
 */
public final class Fixtures {
    private Fixtures() {
    }

    /** The fixtures folder on the test class path ({@code target/test-classes/fixtures} in a Maven build). */
    public static Path root() {
        URL url = Fixtures.class.getResource("/fixtures");
        if (url == null) {
            throw new IllegalStateException("test fixtures not on the class path (expected src/test/resources/fixtures)");
        }
        try {
            return Path.of(url.toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalStateException("test fixtures are not a folder: " + url, e);
        }
    }

    /** A fixture file or folder by its path under the fixtures folder, e.g. {@code merge-tiny/clip/pretrained}. */
    public static Path path(String relative) {
        Path path = root().resolve(relative);
        if (!Files.exists(path)) {
            throw new IllegalStateException("test fixture missing: " + relative + " (looked for " + path + ")");
        }
        return path;
    }

    /** {@code clip-tiny}: a tiny random CLIP in Hugging Face layout with the outputs of HF's forward and processor. */
    public static Path clipTiny() {
        return path("clip-tiny");
    }

    /** {@code merge-tiny}: the CLIP-vision and Llama-like checkpoint families and the merge cases. */
    public static Path mergeTiny() {
        return path("merge-tiny");
    }
}

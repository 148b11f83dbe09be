package amalgam.fusion.method.analysis;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import amalgam.io.OutputDirectory;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an analysis writes its files ({@code output_path}): a folder amalgam owns like any output (new, empty or an
 * earlier amalgam output; published atomically). FusionBench falls back to its log folder; amalgam writes no folder
 * unless asked, so without {@code output_path} the numbers are only in the report.
 */
final class AnalysisOutput {
    private final Map<String, String> files = new LinkedHashMap<>();
    private final Path folder;

    AnalysisOutput(String outputPath) {
        try {
            this.folder = outputPath == null ? null : Path.of(outputPath);
        } catch (InvalidPathException e) {
            throw new UserInputException("output_path '" + outputPath + "' is not a valid path: " + e.getMessage(), e);
        }
    }

    /** Claims the folder before any work, so a refused one costs nothing. */
    OutputDirectory claim() {
        return folder == null ? null : OutputDirectory.claim(folder);
    }

    void add(String fileName, String text) {
        files.put(fileName, text);
    }

    void publish(OutputDirectory claimed) {
        if (claimed == null) {
            return;
        }
        Path staging = claimed.staging();
        files.forEach((name, text) -> AtomicFiles.writeString(staging.resolve(name), text));
        claimed.publish();
    }
}

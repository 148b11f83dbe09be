package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Config files read as plain YAML data (no tags, no objects), with errors that name the file. */
public final class YamlDocuments {
    private YamlDocuments() {
    }

    /** The document in {@code file}; {@code what} ("model pool", ...) names it in errors. */
    public static Object read(Path file, String what) {
        try (Reader reader = Files.newBufferedReader(file)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new UserInputException("cannot read " + what + " '" + file + "': " + AtomicFiles.describe(e), e);
        } catch (RuntimeException e) {
            throw new UserInputException(what + " '" + file + "' is not valid YAML: " + e.getMessage(), e);
        }
    }
}

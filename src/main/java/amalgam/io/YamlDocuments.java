package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Config files read as plain YAML data (no tags, no objects), with errors that name the file. */
public final class YamlDocuments {
    private YamlDocuments() {
    }

    /** A deep copy of a YAML mapping with every key as a string (nested mappings and lists copied too). */
    public static Map<String, Object> copyOf(Map<?, ?> mapping) {
        Map<String, Object> copy = new LinkedHashMap<>();
        mapping.forEach((key, value) -> copy.put(String.valueOf(key), copyValue(value)));
        return copy;
    }

    private static Object copyValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            return copyOf(map);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(copyValue(item)));
            return copy;
        }
        return value;
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

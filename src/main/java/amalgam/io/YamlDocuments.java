package amalgam.io;

import amalgam.UserInputException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

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
        String text = ConfigFiles.readText(file, what);
        try {
            return load(text);
        } catch (RuntimeException e) {
            throw new UserInputException(what + " '" + file + "' is not valid YAML: " + e.getMessage(), e);
        }
    }

    /**
     * Parses one document as plain data with YAML 1.1 semantics (as PyYAML, which mergekit and FusionBench use); a
     * malformed or over-limit document throws {@link YAMLException}. Every YAML the CLI reads goes through here, with
     * these limits: the whole text (configs are bounded by {@link ConfigFiles}), lines of at most
     * {@link #MAX_LINE_CHARS} (SnakeYAML scans a long line in time and memory far beyond its length: a 15 MB
     * one-line string took 30 s of CPU and gigabytes, the same text over short lines under a second), 50 aliases per
     * collection (a "billion laughs" document expands aliases exponentially), 50 levels of nesting.
     */
    public static Object load(String text) {
        checkLines(text);
        return new Yaml(new SafeConstructor(loaderOptions())).load(new StringReader(text));
    }

    /**
     * {@link #load(String)} with the same limits but another scalar {@code resolver} (OmegaConf's: floats without a
     * dot, no timestamps) and duplicate keys refused, as OmegaConf refuses them.
     */
    public static Object loadStrict(String text, Resolver resolver) {
        checkLines(text);
        LoaderOptions options = loaderOptions();
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
                options, resolver);
        return yaml.load(new StringReader(text));
    }

    /** The longest line a YAML document may have (real configs: a few hundred characters). */
    static final int MAX_LINE_CHARS = 1 << 20;

    private static void checkLines(String text) {
        int line = 1;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '\n') {
                if (i - start > MAX_LINE_CHARS) {
                    throw new YAMLException("line " + line + " is " + (i - start) + " characters long, more than the "
                            + MAX_LINE_CHARS + " a YAML config line may have");
                }
                line++;
                start = i + 1;
            }
        }
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(Math.toIntExact(ConfigFiles.MAX_CONFIG_BYTES));
        options.setMaxAliasesForCollections(50);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(50);
        return options;
    }
}

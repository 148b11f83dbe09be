package amalgam.config;

import amalgam.io.YamlDocuments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * YAML as OmegaConf reads and writes it: PyYAML's YAML 1.1 scalars, plus floats without a dot ({@code 1e-3}, which
 * plain YAML 1.1 leaves a string), minus timestamps ({@code 2024-01-01} stays a string), duplicate keys refused.
 */
public final class ConfigYaml {
    /** OmegaConf's extra float pattern (omegaconf/_utils.py, get_yaml_loader). */
    private static final Pattern OMEGACONF_FLOAT = Pattern.compile("^(?:"
            + "[-+]?[0-9]+(?:_[0-9]+)*\\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
            + "|[-+]?[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+)"
            + "|\\.[0-9]+(?:_[0-9]+)*(?:[eE][-+][0-9]+)?"
            + "|[-+]?[0-9]+(?:_[0-9]+)*(?::[0-5]?[0-9])+\\.[0-9_]*"
            + "|[-+]?\\.(?:inf|Inf|INF)"
            + "|\\.(?:nan|NaN|NAN))$");

    private ConfigYaml() {
    }

    /** The document in {@code text}; malformed YAML throws SnakeYAML's exception (the caller names the file). */
    static Object load(String text) {
        return YamlDocuments.loadStrict(text, new OmegaConfResolver());
    }

    /** {@code value} (a map, list or scalar) as block YAML in the order of its keys, as OmegaConf.to_yaml prints it. */
    public static String dump(Object value) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setWidth(120);
        Yaml yaml = new Yaml(new Representer(options), options);
        String text = yaml.dump(plain(value));
        return text;
    }

    /** A copy with {@link Missing} markers as the {@code ???} text they are written as. */
    private static Object plain(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((key, item) -> copy.put(String.valueOf(key), plain(item)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(plain(item)));
            return copy;
        }
        return value instanceof Missing ? Missing.TEXT : value;
    }

    private static final class OmegaConfResolver extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, BOOL, "yYnNtTfFoO");
            addImplicitResolver(Tag.INT, INT, "-+0123456789");
            addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
            addImplicitResolver(Tag.FLOAT, OMEGACONF_FLOAT, "-+0123456789.");
            addImplicitResolver(Tag.MERGE, MERGE, "<");
            addImplicitResolver(Tag.NULL, NULL, "~nN\0");
            addImplicitResolver(Tag.NULL, EMPTY, null);
        }
    }
}

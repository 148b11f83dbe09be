package amalgam.fusion;

import amalgam.config.ConfigYaml;
import amalgam.fusion.param.ParameterSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The {@code method} config group of amalgam's config tree, written from the method registry so that each method's
 * defaults live in one place (its declaration): {@code method/NAME.yaml} for every config name ({@code adamerging/clip}),
 * alias ({@code iso_c}) and unambiguous short name, holding the method's parameters with their defaults, dotted names
 * ({@code dataloader_kwargs.batch_size}) as nested mappings, as FusionBench's method configs are laid out.
 */
final class MethodConfigFiles {
    static final String GROUP = "method";

    private MethodConfigFiles() {
    }

    /** Writes the group under {@code root} (a config search-path directory). */
    static void writeInto(Path root) {
        Map<String, MethodDeclaration> byName = new LinkedHashMap<>();
        Set<String> shortNames = new LinkedHashSet<>();
        Set<String> ambiguous = new LinkedHashSet<>();
        for (MethodDeclaration declaration : MethodRegistry.builtIns()) {
            byName.put(declaration.configName(), declaration);
            if (!shortNames.add(declaration.shortName())) {
                ambiguous.add(declaration.shortName());
            }
        }
        for (MethodDeclaration declaration : MethodRegistry.builtIns()) {
            declaration.aliases().forEach(alias -> byName.putIfAbsent(alias, declaration));
            if (!ambiguous.contains(declaration.shortName())) {
                byName.putIfAbsent(declaration.shortName(), declaration);
            }
        }
        byName.forEach((name, declaration) -> write(root.resolve(GROUP).resolve(name + ".yaml"), declaration));
    }

    private static void write(Path file, MethodDeclaration declaration) {
        Map<String, Object> config = new LinkedHashMap<>();
        for (ParameterSpec parameter : declaration.parameters()) {
            put(config, parameter.name().split("\\."), parameter.defaultValue());
        }
        String text = "# " + declaration.configName() + ": " + declaration.summary() + "\n" + (config.isEmpty() ? "{}\n" : ConfigYaml.dump(config));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the method configs under " + file.getParent(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> config, String[] path, Object value) {
        Map<String, Object> node = config;
        for (int i = 0; i < path.length - 1; i++) {
            node = (Map<String, Object>) node.computeIfAbsent(path[i], key -> new LinkedHashMap<>());
        }
        node.put(path[path.length - 1], value);
    }

    /** A composed method node as parameters by dotted name; keys beginning with '_' ({@code _target_}) are not parameters. */
    static Map<String, Object> parameters(Map<?, ?> node) {
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", node, flat);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> node, Map<String, Object> flat) {
        node.forEach((key, value) -> {
            String name = prefix + key;
            if (String.valueOf(key).startsWith("_")) {
                return; // _target_, _recursive_: how FusionBench instantiates the config, at any depth
            }
            if (value instanceof Map<?, ?> nested && !nested.isEmpty()) {
                flatten(name + ".", nested, flat);
            } else {
                flat.put(name, value);
            }
        });
    }
}

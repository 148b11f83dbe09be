package amalgam.config;

import amalgam.UserInputException;
import amalgam.io.ConfigFiles;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where configs are looked up, in order: a config {@code group/option} is the file {@code group/option.yaml} under the
 * first root that has it, as in Hydra's config search path. A root is a directory ({@code --config-path},
 * {@code --config-dir}) or a classpath folder (amalgam's own tree, Hydra's built-in {@code hydra/...} configs).
 */
public final class ConfigSearchPath {
    /** One root: {@code provider} says who added it ("main", "hydra", "command-line"), {@code location} its address. */
    public record Root(String provider, String location, Path directory) {
    }

    /** A config found on the search path: its text and where it came from (for error messages). */
    public record Found(String configPath, Root root, Path file, String text) {
        public String description() {
            return "'" + configPath + "' (" + file + ")";
        }
    }

    /** amalgam's own config tree on the classpath. */
    public static final String AMALGAM_CONFIG = "amalgam/config";
    /** The configs Hydra itself brings ({@code hydra/config}, {@code hydra/output/default}, ...) on the classpath. */
    public static final String HYDRA_CONFIG = "amalgam/hydra/conf";

    private static final Pattern SEGMENT = Pattern.compile("[^/\\\\:]+");
    private final List<Root> roots;

    private ConfigSearchPath(List<Root> roots) {
        this.roots = List.copyOf(roots);
    }

    public static ConfigSearchPath of(List<Root> roots) {
        return new ConfigSearchPath(roots);
    }

    /**
     * Hydra's order for a command line: Hydra's own configs, then the primary config directory ({@code configPath},
     * or amalgam's own tree when null), then each {@code --config-dir}.
     */
    public static ConfigSearchPath standard(Path configPath, List<Path> configDirectories) {
        List<Root> roots = new ArrayList<>();
        roots.addAll(classpath("hydra", HYDRA_CONFIG));
        if (configPath == null) {
            roots.addAll(classpath("main", AMALGAM_CONFIG));
        } else {
            roots.add(directory("main", configPath));
        }
        configDirectories.forEach(dir -> roots.add(directory("command-line", dir)));
        return new ConfigSearchPath(roots);
    }

    /** A directory root; it must exist. */
    public static Root directory(String provider, Path directory) {
        Path absolute = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute)) {
            throw new UserInputException("config directory '" + directory + "' does not exist or is not a directory");
        }
        return new Root(provider, "file://" + absolute, absolute);
    }

    /**
     * The classpath folder {@code folder} as roots, one per classpath entry that has it (a directory or amalgam's
     * jar), in class-path order: in a build the folder exists both in the classes and in the test classes.
     */
    public static List<Root> classpath(String provider, String folder) {
        List<Root> roots = new ArrayList<>();
        try {
            for (URL url : java.util.Collections.list(ConfigSearchPath.class.getClassLoader().getResources(folder))) {
                URI uri = url.toURI();
                if ("jar".equals(uri.getScheme())) {
                    try {
                        FileSystems.newFileSystem(uri, Map.of()); // kept open: the jar is read for the whole run
                    } catch (FileSystemAlreadyExistsException alreadyOpen) {
                        // another root in the same jar opened it
                    }
                }
                roots.add(new Root(provider, "pkg://" + folder, Path.of(uri)));
            }
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot open classpath folder '" + folder + "': " + e.getMessage(), e);
        }
        if (roots.isEmpty()) {
            throw new IllegalStateException("classpath folder '" + folder + "' is missing from amalgam's build");
        }
        return roots;
    }

    public List<Root> roots() {
        return roots;
    }

    /** The config {@code configPath} ("method/ties_merging", "fabric_model_fusion") from the first root that has it. */
    public Optional<Found> find(String configPath) {
        List<String> segments = segments(configPath, "config");
        for (Root root : roots) {
            Path file = resolve(root, segments, ".yaml");
            if (Files.isRegularFile(file)) {
                return Optional.of(new Found(configPath, root, file, ConfigFiles.readText(file, "config")));
            }
        }
        return Optional.empty();
    }

    /** Whether some root has the directory {@code group} (a config group: "method", "hydra/launcher"). */
    public boolean isGroup(String group) {
        if (group.isEmpty()) {
            return true;
        }
        List<String> segments = segments(group, "config group");
        return roots.stream().anyMatch(root -> Files.isDirectory(resolve(root, segments, "")));
    }

    /** The options of {@code group} in all roots, sorted: its YAML files without the extension. */
    public List<String> options(String group) {
        return list(group, true);
    }

    /** The sub-groups of {@code group} ("" for the top) in all roots, sorted. */
    public List<String> groups(String group) {
        return list(group, false);
    }

    private List<String> list(String group, boolean configs) {
        List<String> segments = group.isEmpty() ? List.of() : segments(group, "config group");
        TreeSet<String> names = new TreeSet<>();
        for (Root root : roots) {
            Path dir = resolve(root, segments, "");
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                entries.forEach(entry -> {
                    String name = entry.getFileName().toString().replaceAll("/$", "");
                    if (configs && name.endsWith(".yaml") && Files.isRegularFile(entry)) {
                        names.add(name.substring(0, name.length() - ".yaml".length()));
                    } else if (!configs && Files.isDirectory(entry) && !name.startsWith(".") && !name.equals("__pycache__")) {
                        names.add(name);
                    }
                });
            } catch (IOException e) {
                throw new UserInputException("cannot list config group '" + group + "' in " + dir + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(names);
    }

    /** The segments of a config path; {@code ..}, {@code .}, empty segments and drive letters are refused. */
    private static List<String> segments(String path, String what) {
        String[] parts = path.split("/", -1);
        for (String part : parts) {
            if (!SEGMENT.matcher(part).matches() || part.equals(".") || part.equals("..")) {
                throw new UserInputException(what + " '" + path + "' is not a valid config path: use names separated "
                        + "by '/', without '..' or empty parts");
            }
        }
        return List.of(parts);
    }

    private static Path resolve(Root root, List<String> segments, String extension) {
        Path path = root.directory();
        for (int i = 0; i < segments.size(); i++) {
            path = path.resolve(i == segments.size() - 1 ? segments.get(i) + extension : segments.get(i));
        }
        return path;
    }

    @Override
    public String toString() {
        return roots.stream().map(root -> root.provider() + " " + root.location()).toList().toString();
    }
}

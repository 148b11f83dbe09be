package amalgam.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The search path with each config parsed once per composition (Hydra's CachingConfigRepository). */
final class ConfigRepository {
    private final ConfigSearchPath searchPath;
    private final Map<String, Optional<ConfigFile>> cache = new HashMap<>();

    ConfigRepository(ConfigSearchPath searchPath) {
        this.searchPath = searchPath;
    }

    ConfigSearchPath searchPath() {
        return searchPath;
    }

    /** The config at {@code configPath}, or null when no root has it. */
    ConfigFile load(String configPath) {
        return cache.computeIfAbsent(configPath, path -> searchPath.find(path).map(ConfigFile::parse)).orElse(null);
    }

    boolean isGroup(String group) {
        return searchPath.isGroup(group);
    }

    List<String> options(String group) {
        return searchPath.isGroup(group) ? searchPath.options(group) : List.of();
    }

    /** "available: a, b, c" for error messages, or a note that the group has no options. */
    String available(String group) {
        List<String> options = options(group);
        return options.isEmpty() ? "the group has no options on the search path " + searchPath
                : "available: " + String.join(", ", options);
    }
}

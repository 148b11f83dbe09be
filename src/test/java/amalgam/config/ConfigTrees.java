package amalgam.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

/** Small config trees written into a test's directory, and a fixed runtime so interpolations are deterministic. */
final class ConfigTrees {
    static final ZonedDateTime NOW = ZonedDateTime.of(2026, 3, 4, 5, 6, 7, 0, ZoneOffset.UTC);

    private ConfigTrees() {
    }

    /** Writes {@code files} ("group/option.yaml", text, ...) under {@code root}. */
    static Path write(Path root, String... pathsAndTexts) {
        try {
            for (int i = 0; i < pathsAndTexts.length; i += 2) {
                Path file = root.resolve(pathsAndTexts[i]);
                Files.createDirectories(file.getParent());
                Files.writeString(file, pathsAndTexts[i + 1]);
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static HydraRuntime runtime(Map<String, String> environment) {
        return new HydraRuntime("app", Path.of("/work/dir"), NOW, false, 0, environment);
    }

    /** Hydra's built-ins, then {@code root} as the primary config directory. */
    static ConfigSearchPath searchPath(Path root) {
        return ConfigSearchPath.standard(root, List.of());
    }

    static ComposedConfig compose(Path root, String configName, String... overrides) {
        return Composer.compose(searchPath(root), configName,
                java.util.Arrays.stream(overrides).map(HydraOverride::parse).toList(), runtime(Map.of()));
    }
}

package amalgam.config;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Composes a primary config as Hydra 1.3 does: builds the defaults list (with the command line's group choices),
 * merges each entry's config at its package in order, applies the command line's field overrides, and fills the
 * {@code hydra} node. Interpolations are left for {@link ComposedConfig#resolved()}.
 */
public final class Composer {
    private Composer() {
    }

    /**
     * The config {@code configName} from {@code searchPath} with {@code overrides} (concrete ones: expand sweeps with
     * {@link Sweep#expand} first).
     */
    public static ComposedConfig compose(ConfigSearchPath searchPath, String configName, List<HydraOverride> overrides,
                                         HydraRuntime runtime) {
        Sweep.checkAllowed(overrides, false);
        ConfigRepository repo = new ConfigRepository(searchPath);
        List<HydraOverride> groupOverrides = new ArrayList<>();
        List<HydraOverride> fieldOverrides = new ArrayList<>();
        for (HydraOverride override : overrides) {
            boolean mapping = override.element() instanceof Map<?, ?>;
            if (!mapping && isGroupKey(override.key()) && repo.isGroup(override.key())) {
                groupOverrides.add(override);
            } else {
                checkFieldKey(override, repo);
                fieldOverrides.add(override);
            }
        }
        DefaultsList.Result defaults = DefaultsList.build(repo, configName, new GroupChoices(groupOverrides));
        Map<String, Object> config = new LinkedHashMap<>();
        for (DefaultsEntry entry : defaults.entries()) {
            ConfigFile file = repo.load(entry.configPath());
            ConfigMerge.into(config, ConfigMerge.atPackage(entry.packageName(), file.body()));
        }
        ConfigOverrides.apply(config, fieldOverrides);
        HydraNode.fill(config, configName, overrides, defaults.choices(), runtime, searchPath);
        return new ComposedConfig(config, defaults, configName, runtime, searchPath);
    }

    /** A group key is a path of names; dotted keys with list indices or {@code $} are always fields. */
    private static boolean isGroupKey(String key) {
        return key.matches("[A-Za-z_][\\w-]*(/[A-Za-z_][\\w-]*)*");
    }

    private static void checkFieldKey(HydraOverride override, ConfigRepository repo) {
        String key = override.key();
        if (override.packageName() != null || key.contains("/")) {
            String group = key;
            int slash = group.lastIndexOf('/');
            String parent = slash < 0 ? "" : group.substring(0, slash);
            throw new UserInputException("override '" + override.text() + "' looks like a config group override, but "
                    + "config group '" + key + "' does not exist; groups" + (parent.isEmpty() ? "" : " in '" + parent + "'")
                    + ": " + String.join(", ", repo.searchPath().isGroup(parent) ? repo.searchPath().groups(parent)
                    : List.of()));
        }
    }
}

package amalgam.config;

/**
 * One entry of the final defaults list, in merge order (Hydra's ResultDefault): the config at {@code configPath}
 * lands at {@code packageName} ("" for the root). {@code self} marks a config's own fields, placed where its
 * {@code _self_} is; {@code parent} is the config whose defaults list named it (null for the root's children).
 * {@code overrideKey} names a group entry for overrides and choices ("method", "db@backup"), null otherwise.
 */
public record DefaultsEntry(String configPath, String packageName, boolean self, String parent, boolean primary,
                            String overrideKey) {
}

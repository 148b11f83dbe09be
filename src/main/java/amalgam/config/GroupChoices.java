package amalgam.config;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The option choices while the defaults tree is built (Hydra's Overrides in defaults_list.py): overrides from the
 * command line ({@code method=ties_merging}) and from {@code override} entries, groups appended with
 * {@code +group=option}, deletions ({@code ~group}), and the option each group ends up with.
 */
final class GroupChoices {
    private record Meta(boolean external, String containingConfig, String text) {
    }

    private final Map<String, Object> choices = new LinkedHashMap<>();
    private final Map<String, Meta> meta = new LinkedHashMap<>();
    private final Set<String> used = new java.util.HashSet<>();
    private final List<DefaultsNode> appended = new ArrayList<>();
    private final Map<String, String> deletions = new LinkedHashMap<>();
    private final Set<String> deletionsUsed = new java.util.HashSet<>();
    private final Map<String, String> known = new LinkedHashMap<>();
    private final Map<String, Set<String>> knownPerGroup = new LinkedHashMap<>();

    /** {@code overrides} are the command-line overrides whose key is a config group. */
    GroupChoices(List<HydraOverride> overrides) {
        for (HydraOverride override : overrides) {
            Object value = override.element();
            String key = override.keyWithPackage();
            switch (override.type()) {
                case DELETE -> {
                    if (value != null && !(value instanceof String)) {
                        throw new UserInputException("override '" + override.text() + "': the option to delete must be a name");
                    }
                    deletions.put(key, (String) value);
                }
                case FORCE_ADD -> throw new UserInputException("override '" + override.text() + "': ++ does not apply "
                        + "to config groups; use +" + key + "=OPTION to add the group or " + key + "=OPTION to change it");
                case ADD -> {
                    DefaultsNode node = option(override, value, DefaultsNode.group(override.key(),
                            override.packageName(), null, null, false, false));
                    node.externalAppend = true;
                    appended.add(node);
                }
                case CHANGE -> {
                    option(override, value, null);
                    choices.put(key, value);
                    meta.put(key, new Meta(true, null, override.text()));
                }
            }
        }
    }

    /** Checks that the value names an option (or a list of them); with {@code node}, sets it as the node's option. */
    private static DefaultsNode option(HydraOverride override, Object value, DefaultsNode node) {
        boolean names = value instanceof List<?> list && list.stream().allMatch(item -> item instanceof String);
        if (value != null && !(value instanceof String) && !names) {
            throw new UserInputException("override '" + override.text() + "': the option of config group '"
                    + override.key() + "' must be a name or a list of names, not " + value);
        }
        if (node != null) {
            setOption(node, value);
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static void setOption(DefaultsNode node, Object value) {
        if (value instanceof List<?> list) {
            node.options = new ArrayList<>((List<String>) list);
            node.option = null;
        } else {
            node.options = null;
            node.option = (String) value;
        }
    }

    List<DefaultsNode> appended() {
        return appended;
    }

    /** An {@code override group: option} entry in {@code containingConfig}; the first one seen wins. */
    void addOverride(String containingConfig, DefaultsNode node) {
        String key = node.overrideKey();
        if (!choices.containsKey(key)) {
            choices.put(key, node.options != null ? node.options : node.option);
            meta.put(key, new Meta(false, containingConfig, null));
        }
    }

    boolean isOverridden(DefaultsNode node) {
        return node.isGroup() && choices.containsKey(node.overrideKey());
    }

    void applyOverride(DefaultsNode node) {
        String key = node.overrideKey();
        setOption(node, choices.get(key));
        used.add(key);
    }

    boolean isDeleted(DefaultsNode node) {
        if (!node.isGroup()) {
            return false;
        }
        String key = node.overrideKey();
        if (!deletions.containsKey(key)) {
            return false;
        }
        String name = deletions.get(key);
        return name == null || name.equals(node.name());
    }

    void delete(DefaultsNode node) {
        node.deleted = true;
        deletionsUsed.add(node.overrideKey());
    }

    /** Records the option a group ended with; two different options for one key are an error. */
    void setKnownChoice(DefaultsNode node) {
        if (!node.isGroup()) {
            return;
        }
        String key = node.overrideKey();
        if (known.containsKey(key) && !java.util.Objects.equals(known.get(key), node.name())) {
            throw new UserInputException("config group '" + key + "' is chosen twice, as '" + known.get(key) + "' and '"
                    + node.name() + "'; to change an option use 'override " + key + ": " + node.name() + "' in the "
                    + "defaults list or " + key + "=" + node.name() + " on the command line");
        }
        known.putIfAbsent(key, node.name());
        knownPerGroup.computeIfAbsent(node.groupPath(), group -> new TreeSet<>()).add(key);
    }

    /** Group (override key) to chosen option, in the order the groups were met. */
    Map<String, String> known() {
        return known;
    }

    void ensureUsed() {
        for (Map.Entry<String, Meta> entry : meta.entrySet()) {
            String key = entry.getKey();
            if (used.contains(key)) {
                continue;
            }
            Meta info = entry.getValue();
            Set<String> candidates = knownPerGroup.getOrDefault(key.split("@")[0], Set.of());
            String hint = candidates.isEmpty() ? "no entry of the defaults list has that group"
                    : "did you mean " + String.join(" or ", candidates) + "?";
            String where = info.containingConfig() == null ? "" : "in '" + info.containingConfig() + "': ";
            String append = info.external() ? "; to add it to the defaults list use +" + info.text() : "";
            throw new UserInputException(where + "could not override config group '" + key + "': " + hint + append);
        }
        for (Map.Entry<String, String> deletion : deletions.entrySet()) {
            if (!deletionsUsed.contains(deletion.getKey())) {
                String what = deletion.getValue() == null ? deletion.getKey() : deletion.getKey() + "=" + deletion.getValue();
                throw new UserInputException("could not delete config group '" + what + "': no entry of the defaults "
                        + "list matches");
            }
        }
    }
}

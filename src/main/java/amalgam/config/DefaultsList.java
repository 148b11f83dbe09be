package amalgam.config;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Hydra 1.3's defaults tree and final defaults list (hydra/_internal/defaults_list.py): a virtual root with
 * Hydra's own {@code hydra/config} and the primary config; each config's {@code defaults:} expanded depth first,
 * siblings visited last to first so that later {@code override} entries win; a missing {@code _self_} added at
 * the end of a non-empty defaults list (the file's own fields override what its defaults bring); the final list is
 * the tree's leaves in depth-first order.
 */
final class DefaultsList {
    /** A node of the defaults tree: an entry and, when it has a defaults list, what that list expanded to. */
    static final class Tree {
        final DefaultsNode node;
        final Tree parent;
        List<Object> children; // DefaultsNode (leaf) or Tree; null for a leaf

        Tree(DefaultsNode node, Tree parent) {
            this.node = node;
            this.parent = parent;
        }
    }

    /** The final list, the tree it came from and the chosen option of every group. */
    record Result(List<DefaultsEntry> entries, Tree tree, java.util.Map<String, String> choices) {
    }

    private static final int MAX_DEPTH = 64;
    private final ConfigRepository repo;
    private final GroupChoices choices;
    private int depth;

    private DefaultsList(ConfigRepository repo, GroupChoices choices) {
        this.repo = repo;
        this.choices = choices;
    }

    static Result build(ConfigRepository repo, String configName, GroupChoices choices) {
        DefaultsList builder = new DefaultsList(repo, choices);
        Tree root = new Tree(DefaultsNode.root(), null);
        DefaultsNode primary = DefaultsNode.config(configName, null, false);
        primary.primary = true;
        root.children = new ArrayList<>(List.of(DefaultsNode.config("hydra/config", null, false), primary));
        builder.expandRoot(root);
        List<DefaultsEntry> entries = new ArrayList<>();
        collect(root, entries);
        Set<String> keys = new HashSet<>();
        for (DefaultsEntry entry : entries) {
            if (!entry.self() && entry.overrideKey() != null && !keys.add(entry.overrideKey())) {
                throw new UserInputException("config group '" + entry.overrideKey() + "' appears more than once in the "
                        + "final defaults list; give one of them another package (group@package: option)");
            }
        }
        choices.ensureUsed();
        return new Result(List.copyOf(entries), root,
                java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(choices.known())));
    }

    private void expandRoot(Tree root) {
        List<Object> children = new ArrayList<>();
        List<Object> given = root.children;
        for (int i = given.size() - 1; i >= 0; i--) {
            DefaultsNode node = (DefaultsNode) given.get(i);
            Tree subtree = new Tree(node, root);
            node.updateParent("", "");
            create(subtree, node.primary);
            children.add(subtree.children == null ? node : subtree);
        }
        Collections.reverse(children);
        root.children = children;
    }

    private void create(Tree root, boolean isRootConfig) {
        if (++depth > MAX_DEPTH) {
            throw new UserInputException("the defaults lists nest more than " + MAX_DEPTH + " levels deep at '"
                    + root.node.configPath() + "'; do two configs include each other?");
        }
        try {
            createUnchecked(root, isRootConfig);
        } finally {
            depth--;
        }
    }

    private void createUnchecked(Tree root, boolean isRootConfig) {
        DefaultsNode parent = root.node;
        if (isRootConfig && repo.load(parent.configPath()) == null) {
            throw new UserInputException("cannot find primary config '" + parent.configPath() + "' (a file "
                    + parent.configPath() + ".yaml) on the config search path " + repo.searchPath()
                    + "; check --config-path and --config-name");
        }
        if (!parent.isMissing() && parent.name() != null) {
            ConfigFile header = repo.load(parent.configPath());
            if (header != null) {
                parent.setPackageHeader(header.packageHeader());
            }
        }
        if (choices.isDeleted(parent)) {
            choices.delete(parent);
            return;
        }
        choices.setKnownChoice(parent);
        if (parent.name() == null) {
            return;
        }
        if (parent.isMissing()) {
            String key = parent.overrideKey();
            throw new UserInputException("config group '" + key + "' has no option chosen (???); choose one with "
                    + key + "=OPTION (" + repo.available(parent.groupPath()) + ")");
        }
        String path = parent.configPath();
        ConfigFile loaded = repo.load(path);
        if (loaded == null) {
            if (parent.optional) {
                parent.deleted = true;
                return;
            }
            throw notFound(root);
        }
        List<DefaultsNode> defaults = new ArrayList<>(loaded.defaults().stream().map(DefaultsNode::of).toList());
        if (!defaults.isEmpty() || isRootConfig && !choices.appended().isEmpty()) {
            addSelfIfAbsent(parent, defaults);
        }
        if (isRootConfig) {
            defaults.addAll(choices.appended());
        }
        registerOverrides(defaults, parent);
        List<Object> children = new ArrayList<>();
        for (int i = defaults.size() - 1; i >= 0; i--) {
            DefaultsNode d = defaults.get(i);
            if (d.isSelf()) {
                children.add(d);
                continue;
            }
            if (d.override) {
                continue;
            }
            d.updateParent(parent.groupPath(), parent.finalPackage());
            if (choices.isOverridden(d)) {
                choices.applyOverride(d);
            }
            if (d.hasOptionList()) {
                for (int j = d.options.size() - 1; j >= 0; j--) {
                    DefaultsNode item = DefaultsNode.config(d.path + "/" + d.options.get(j), d.packageName, d.optional);
                    item.updateParent(parent.groupPath(), parent.finalPackage());
                    addChild(children, new Tree(item, root));
                }
            } else {
                addChild(children, new Tree(d, root));
            }
        }
        if (!children.isEmpty()) {
            Collections.reverse(children);
            root.children = children;
        }
    }

    private void addChild(List<Object> children, Tree subtree) {
        create(subtree, false);
        children.add(subtree.children == null ? subtree.node : subtree);
    }

    /** Hydra's _validate_self: one _self_ at most, added at the end when missing (unless the list only overrides). */
    private static void addSelfIfAbsent(DefaultsNode parent, List<DefaultsNode> defaults) {
        boolean hasSelf = false;
        boolean hasNonOverride = false;
        for (DefaultsNode d : defaults) {
            hasNonOverride |= !d.override;
            if (d.isSelf()) {
                if (hasSelf) {
                    throw new UserInputException("config '" + parent.configPath() + "' has _self_ twice in its defaults list");
                }
                hasSelf = true;
            }
        }
        if (!hasSelf && hasNonOverride || defaults.isEmpty()) {
            defaults.add(DefaultsNode.self());
        }
    }

    /** Registers the {@code override} entries of one defaults list; they must come after every other entry. */
    private void registerOverrides(List<DefaultsNode> defaults, DefaultsNode parent) {
        DefaultsNode lastOverride = null;
        for (DefaultsNode d : defaults) {
            if (d.isSelf()) {
                continue;
            }
            d.updateParent(parent.groupPath(), parent.finalPackage());
            if (lastOverride != null && !(d.override || d.externalAppend)) {
                throw new UserInputException("in '" + parent.configPath() + "': 'override " + lastOverride.overrideKey()
                        + ": " + lastOverride.name() + "' comes before '" + d + "'; overrides must be at the end of "
                        + "the defaults list");
            }
            if (d.isGroup() && d.override) {
                lastOverride = d;
                choices.addOverride(parent.configPath(), d);
            }
        }
    }

    private UserInputException notFound(Tree tree) {
        DefaultsNode node = tree.node;
        String in = tree.parent != null && tree.parent.node.kind != DefaultsNode.Kind.ROOT
                ? "in '" + tree.parent.node.configPath() + "': " : "";
        if (node.isGroup()) {
            return new UserInputException(in + "no option '" + node.name() + "' in config group '" + node.groupPath()
                    + "' (no file " + node.configPath() + ".yaml on the search path); " + repo.available(node.groupPath()));
        }
        return new UserInputException(in + "cannot find config '" + node.configPath() + "' (a file " + node.configPath()
                + ".yaml) on the config search path " + repo.searchPath());
    }

    /** The final list: the tree's leaves and _self_ entries in depth-first order. */
    private static void collect(Tree tree, List<DefaultsEntry> out) {
        if (tree.children == null || tree.children.isEmpty()) {
            add(tree.parent, tree.node, out);
            return;
        }
        for (Object child : tree.children) {
            if (child instanceof DefaultsNode node) {
                add(tree, node, out);
            } else {
                collect((Tree) child, out);
            }
        }
    }

    private static void add(Tree tree, DefaultsNode node, List<DefaultsEntry> out) {
        if (node.deleted || node.isMissing() || node.kind == DefaultsNode.Kind.ROOT) {
            return;
        }
        if (node.isSelf()) {
            DefaultsNode owner = tree.node;
            String parent = tree.parent == null ? null : tree.parent.node.configPath();
            out.add(new DefaultsEntry(owner.configPath(), owner.finalPackage(), true, parent, owner.primary, null));
            return;
        }
        if (node.name() == null) {
            return;
        }
        String parent = tree == null ? null : tree.node.configPath();
        out.add(new DefaultsEntry(node.configPath(), node.finalPackage(), false, parent, node.primary,
                node.isGroup() ? node.overrideKey() : null));
    }
}

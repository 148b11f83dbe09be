package amalgam.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A defaults-list entry while the defaults tree is built (Hydra's InputDefault): it learns its parent's group
 * directory and package, may have its option replaced by an override, and may be deleted. The rules for group
 * paths, config paths and packages follow hydra/core/default_element.py (Hydra 1.3).
 */
final class DefaultsNode {
    enum Kind { ROOT, SELF, CONFIG, GROUP }

    final Kind kind;
    /** CONFIG: the config path; GROUP: the group; a leading '/' makes either absolute. */
    String path;
    /** GROUP: the chosen option (null for "no option"); CONFIG: unused. */
    String option;
    /** GROUP: a list of options, each merged into the package; null when a single option is chosen. */
    List<String> options;
    final String packageName;
    String packageHeader;
    final boolean optional;
    final boolean override;
    boolean externalAppend;
    boolean deleted;
    boolean primary;
    String parentBaseDir;
    String parentPackage;

    private DefaultsNode(Kind kind, String path, String option, List<String> options, String packageName,
                         boolean optional, boolean override) {
        this.kind = kind;
        this.path = path;
        this.option = option;
        this.options = options == null ? null : new ArrayList<>(options);
        this.packageName = "_here_".equals(packageName) ? "" : packageName;
        this.optional = optional;
        this.override = override;
    }

    static DefaultsNode root() {
        return new DefaultsNode(Kind.ROOT, "<root>", null, null, null, false, false);
    }

    static DefaultsNode config(String path, String packageName, boolean optional) {
        return new DefaultsNode(Kind.CONFIG, path, null, null, packageName, optional, false);
    }

    static DefaultsNode self() {
        return new DefaultsNode(Kind.SELF, "_self_", null, null, null, false, false);
    }

    static DefaultsNode group(String group, String packageName, String option, List<String> options, boolean optional,
                              boolean override) {
        return new DefaultsNode(Kind.GROUP, group, option, options, packageName, optional, override);
    }

    static DefaultsNode of(DefaultsElement element) {
        return switch (element.kind()) {
            case SELF -> self();
            case CONFIG -> config(element.path(), element.packageName(), element.optional());
            case GROUP -> group(element.path(), element.packageName(), element.option(), element.options(),
                    element.optional(), element.override());
        };
    }

    boolean isSelf() {
        return kind == Kind.SELF;
    }

    boolean isGroup() {
        return kind == Kind.GROUP;
    }

    boolean hasOptionList() {
        return kind == Kind.GROUP && options != null;
    }

    void updateParent(String baseDir, String packageOfParent) {
        this.parentBaseDir = baseDir;
        this.parentPackage = packageOfParent;
    }

    private boolean absolute() {
        return path.startsWith("/");
    }

    private String bare() {
        return absolute() ? path.substring(1) : path;
    }

    /** The group directory of the config this entry names ("modelpool", "hydra/help", "" for top-level configs). */
    String groupPath() {
        if (kind == Kind.GROUP) {
            boolean isAbsolute = absolute() || externalAppend;
            return parentBaseDir.isEmpty() || isAbsolute ? bare() : parentBaseDir + "/" + bare();
        }
        String group = relativeGroupPath();
        if (absolute()) {
            return group;
        }
        if (parentBaseDir.isEmpty()) {
            return group;
        }
        return group.isEmpty() ? parentBaseDir : parentBaseDir + "/" + group;
    }

    /** The config's path on the search path ("modelpool/CLIPVisionModelPool/_template"). */
    String configPath() {
        if (kind == Kind.ROOT) {
            return "<root>";
        }
        if (kind == Kind.GROUP) {
            return groupPath() + "/" + name();
        }
        if (absolute() || parentBaseDir.isEmpty()) {
            return bare();
        }
        return parentBaseDir + "/" + bare();
    }

    /** The option (GROUP) or the last path segment (CONFIG). */
    String name() {
        if (kind == Kind.GROUP) {
            return option;
        }
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    boolean isMissing() {
        return kind != Kind.ROOT && Missing.TEXT.equals(name());
    }

    private String relativeGroupPath() {
        if (kind == Kind.GROUP) {
            return bare();
        }
        int slash = bare().lastIndexOf('/');
        return slash < 0 ? "" : bare().substring(0, slash);
    }

    /** A header is absolute: Hydra prefixes it with {@code _global_}. */
    void setPackageHeader(String header) {
        if (header == null) {
            return;
        }
        if (header.isEmpty() || header.equals("_global_")) {
            packageHeader = "_global_";
        } else {
            packageHeader = header.startsWith("_global_.") ? header : "_global_." + header;
        }
    }

    private String packageOrHeader(boolean defaultToHeader) {
        return packageName == null && defaultToHeader ? packageHeader : packageName;
    }

    /** Where this entry's config lands in the output ("modelpool.test_datasets", "" for the root). */
    String finalPackage(boolean defaultToHeader) {
        String parent = kind == Kind.GROUP && externalAppend ? "" : parentPackage;
        String pkg = packageOrHeader(defaultToHeader);
        if (pkg == null) {
            pkg = relativeGroupPath().replace('/', '.');
        }
        String result = parent.isEmpty() ? pkg : pkg.isEmpty() ? parent : parent + "." + pkg;
        int global = result.lastIndexOf("_global_");
        if (global < 0) {
            return result;
        }
        int start = global + "_global_".length() + 1;
        return start >= result.length() ? "" : result.substring(start);
    }

    String finalPackage() {
        return finalPackage(true);
    }

    /** The key that names this entry for overrides and choices: "method", "db@backup", "hydra/help". */
    String overrideKey() {
        String group = groupPath();
        String defaultPackage = group.replace('/', '.');
        String pkg = finalPackage(false);
        if (!defaultPackage.equals(pkg)) {
            return group + "@" + (pkg.isEmpty() ? "_global_" : pkg);
        }
        return group;
    }

    @Override
    public String toString() {
        return kind == Kind.GROUP ? path + ": " + (options != null ? options : option) : path;
    }
}

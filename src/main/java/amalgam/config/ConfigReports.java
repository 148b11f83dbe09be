package amalgam.config;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The texts Hydra prints instead of running: {@code --cfg job|hydra|all} (with {@code --resolve} and
 * {@code --package}), {@code --info ...} and {@code --help}. They are returned, not printed.
 */
public final class ConfigReports {
    private ConfigReports() {
    }

    /**
     * {@code --cfg}: the job's config, the {@code hydra} node (without its help texts, as Hydra prints it) or both, as
     * YAML; {@code packageName} (null for all) selects a sub-node; {@code resolve} resolves interpolations first.
     */
    public static String cfg(ComposedConfig config, HydraCommandLine.Cfg kind, boolean resolve, String packageName) {
        Map<String, Object> tree = resolve ? config.resolvedTree(true) : config.tree();
        switch (kind) {
            case JOB -> tree.remove("hydra");
            case HYDRA -> {
                tree.keySet().removeIf(key -> !key.equals("hydra"));
                if (tree.get("hydra") instanceof Map<?, ?> hydra) {
                    hydra.remove("help");
                    hydra.remove("hydra_help");
                }
            }
            case ALL -> {
            }
        }
        if (packageName == null || packageName.isEmpty() || packageName.equals("_global_")) {
            return ConfigYaml.dump(tree);
        }
        KeyPath.Found found = KeyPath.find(tree, KeyPath.split(packageName));
        if (!found.exists() || found.value() == null) {
            throw new UserInputException("package '" + packageName + "' not found in the config");
        }
        Object value = found.value();
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            return "# @package " + packageName + "\n" + ConfigYaml.dump(value);
        }
        return PythonText.of(value) + "\n";
    }

    /** {@code --info TOPIC}. */
    public static String info(ComposedConfig config, HydraCommandLine.Info topic) {
        return switch (topic) {
            case SEARCHPATH -> searchPath(config.searchPath());
            case DEFAULTS -> defaults(config.defaults());
            case DEFAULTS_TREE -> defaultsTree(config);
            case PLUGINS -> plugins();
            case CONFIG -> searchPath(config.searchPath()) + "\n" + defaultsTree(config) + "\n" + defaults(config.defaults())
                    + "\n" + header("Config", '*') + ConfigYaml.dump(config.job());
            case ALL -> plugins() + "\n" + info(config, HydraCommandLine.Info.CONFIG);
        };
    }

    static String plugins() {
        return header("Installed Hydra Plugins", '*') + "amalgam composes configs itself: no Hydra plugins are loaded "
                + "(the basic launcher and sweeper are built in)\n";
    }

    /** The search path as Hydra's table: provider and location, in lookup order. */
    public static String searchPath(ConfigSearchPath path) {
        List<String[]> rows = new ArrayList<>();
        path.roots().forEach(root -> rows.add(new String[] {root.provider(), root.location()}));
        return header("Config search path", '*') + table(new String[] {"Provider", "Search path"}, rows);
    }

    /** The final defaults list as Hydra's table: config path, package, _self_, parent. */
    public static String defaults(List<DefaultsEntry> entries) {
        List<String[]> rows = new ArrayList<>();
        for (DefaultsEntry entry : entries) {
            rows.add(new String[] {entry.configPath(), entry.packageName(), entry.self() ? "True" : "False",
                    entry.parent() == null ? "" : entry.parent()});
        }
        return header("Defaults List", '*') + table(new String[] {"Config path", "Package", "_self_", "Parent"}, rows);
    }

    static String defaultsTree(ComposedConfig config) {
        StringBuilder out = new StringBuilder(header("Defaults Tree", '*'));
        writeTree(config.defaultsTree(), 0, out);
        return out.toString();
    }

    private static void writeTree(DefaultsList.Tree tree, int indent, StringBuilder out) {
        out.append("  ".repeat(indent)).append(label(tree.node)).append(tree.children == null ? "" : ":").append('\n');
        if (tree.children == null) {
            return;
        }
        for (Object child : tree.children) {
            if (child instanceof DefaultsList.Tree subtree) {
                writeTree(subtree, indent + 1, out);
            } else {
                out.append("  ".repeat(indent + 1)).append(label((DefaultsNode) child)).append('\n');
            }
        }
    }

    private static String label(DefaultsNode node) {
        String text = switch (node.kind) {
            case ROOT -> "<root>";
            case SELF -> "_self_";
            case CONFIG -> node.configPath();
            case GROUP -> node.overrideKey() + ": " + node.name();
        };
        return node.deleted ? text + " (deleted)" : text;
    }

    /**
     * {@code --help}: the template of {@code hydra.help} (FusionBench's fusion_bench_help) with Hydra's
     * placeholders filled: {@code $APP_CONFIG_GROUPS}, {@code $HYDRA_CONFIG_GROUPS}, {@code $FLAGS_HELP},
     * {@code $CONFIG}; {@code hydraHelp} uses {@code hydra.hydra_help} instead.
     */
    public static String help(ComposedConfig config, boolean hydraHelp) {
        String key = hydraHelp ? "hydra.hydra_help.template" : "hydra.help.template";
        KeyPath.Found raw = KeyPath.find(config.tree(), KeyPath.split(key));
        // Hydra's own default help is not shipped: without a template amalgam writes a plain one
        Object template = raw.exists() && raw.value() != null && !Missing.is(raw.value()) ? config.select(key) : null;
        String text = template instanceof String s ? s
                : "== " + config.configName() + " ==\n\n== Configuration groups ==\n$APP_CONFIG_GROUPS\n\n== Config ==\n"
                + "$CONFIG\n\n== Options ==\n$FLAGS_HELP";
        ConfigSearchPath path = config.searchPath();
        return text.replace("$APP_CONFIG_GROUPS", groups(path, group -> !group.startsWith("hydra")))
                .replace("$HYDRA_CONFIG_GROUPS", groups(path, group -> group.startsWith("hydra/")))
                .replace("$FLAGS_HELP", FLAGS_HELP)
                .replace("$CONFIG", ConfigYaml.dump(config.job())) + "\n";
    }

    private static final String FLAGS_HELP = """
            --config-path,-cp DIR : the directory of the primary config
            --config-name,-cn NAME: the primary config's name (without .yaml)
            --config-dir,-cd DIR  : one more directory to look for configs in
            --multirun,-m         : run one job per value of every sweep (a=1,2 b=range(3))
            --cfg,-c job|hydra|all: print the composed config instead of running
            --resolve             : with --cfg, resolve interpolations first
            --package,-p PKG      : with --cfg, print only that part of the config
            --info,-i [all|config|defaults|defaults-tree|plugins|searchpath]: print composition details
            --help,-h / --hydra-help / --version""";

    /** Every config group with its options, "group: a, b, c" per line, sorted. */
    static String groups(ConfigSearchPath path, Predicate<String> keep) {
        List<String> all = new ArrayList<>();
        collectGroups(path, "", all, 0);
        StringBuilder out = new StringBuilder();
        all.stream().filter(keep).sorted().forEach(group -> {
            List<String> options = path.options(group);
            if (!options.isEmpty()) {
                out.append(group).append(": ").append(String.join(", ", options)).append('\n');
            }
        });
        return out.toString().stripTrailing();
    }

    private static void collectGroups(ConfigSearchPath path, String parent, List<String> out, int depth) {
        if (depth > 16) {
            return;
        }
        for (String name : path.groups(parent)) {
            String group = parent.isEmpty() ? name : parent + "/" + name;
            out.add(group);
            collectGroups(path, group, out, depth + 1);
        }
    }

    private static String header(String title, char filler) {
        return title + "\n" + String.valueOf(filler).repeat(title.length()) + "\n";
    }

    private static String table(String[] titles, List<String[]> rows) {
        int[] widths = new int[titles.length];
        for (int i = 0; i < titles.length; i++) {
            widths[i] = titles[i].length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, titles, widths);
        int total = 1;
        for (int width : widths) {
            total += width + 3;
        }
        out.append("-".repeat(total)).append('\n');
        rows.forEach(row -> appendRow(out, row, widths));
        out.append("-".repeat(total)).append('\n');
        return out.toString();
    }

    private static void appendRow(StringBuilder out, String[] cells, int[] widths) {
        out.append('|');
        for (int i = 0; i < cells.length; i++) {
            out.append(' ').append(cells[i]).append(" ".repeat(widths[i] - cells[i].length())).append(" |");
        }
        out.append('\n');
    }
}

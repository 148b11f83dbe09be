package amalgam.data.hub;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import amalgam.io.ConfigFiles;
import amalgam.io.HubCache;
import amalgam.io.YamlDocuments;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The parquet files of one split of a cached dataset snapshot, found as {@code datasets} finds a parquet repo's data
 * files (its {@code data_files.py}):
 * <ol>
 *   <li>the {@code configs:} of the dataset card's YAML header ({@code README.md}), where {@code push_to_hub} writes
 *       {@code data_files: [{split: test, path: data/test-*}]} per config;</li>
 *   <li>else the conventions, the first that matches any file wins: {@code data/{split}-NNNNN-of-NNNNN*.parquet}
 *       (what {@code push_to_hub} writes; {@code {config}/{split}-NNNNN-of-NNNNN*.parquet} for a named config),
 *       a folder named after the split ({@code data/{split}/*.parquet}, {@code {config}/{split}/*.parquet} as in the
 *       hub's {@code refs/convert/parquet} branch), then the split name at the start of a file name followed by one
 *       of {@code -._ } or a digit.</li>
 * </ol>
 * Files are in sorted path order, which is the dataset's row order. Hidden files and {@code __}-folders are skipped,
 * as datasets skips them. Only exact split names are matched (datasets' aliases such as {@code valid} for
 * {@code validation} are not).
 */
public final class SplitLocator {
    private static final String SHARD = "-\\d{5}-of-\\d{5}[^/]*\\.parquet";

    private SplitLocator() {
    }

    /** The split's parquet files in dataset order; none found is an error listing what the snapshot holds. */
    public static List<Path> find(Path snapshot, HubDatasetSplit split) {
        List<String> files = filesOf(snapshot);
        List<String> matched = declaredPatterns(snapshot, split)
                .map(patterns -> matchGlobs(files, patterns))
                .orElseGet(() -> matchConventions(files, split));
        if (matched.isEmpty()) {
            throw new UserInputException(split.describe() + ": the cached snapshot " + snapshot + " has no parquet files for"
                    + " it (splits found: " + String.join(", ", splitsFound(files)) + "); check the split name, or fetch the"
                    + " complete dataset on a machine with internet (`" + HubCache.RepoType.DATASET.downloadCommand(split.repoId())
                    + "`) and copy its cache folder here");
        }
        List<Path> paths = new ArrayList<>();
        for (String relative : matched) {
            Path file = snapshot.resolve(relative);
            if (!relative.endsWith(".parquet")) {
                throw new UserInputException(split.describe() + ": data file '" + relative + "' is not parquet; amalgam reads"
                        + " parquet datasets only (the hub's parquet conversion is revision `refs/convert/parquet`)");
            }
            if (!Files.isRegularFile(file)) {
                throw new UserInputException(split.describe() + ": '" + file + "' links to a blob that is not in the cache"
                        + " (an interrupted download?); fetch the dataset again with `"
                        + HubCache.RepoType.DATASET.downloadCommand(split.repoId()) + "`");
            }
            paths.add(file);
        }
        return paths;
    }

    /** Every file of the snapshot (links included, dangling or not) as a '/'-separated relative path, sorted. */
    private static List<String> filesOf(Path snapshot) {
        try (Stream<Path> walk = Files.walk(snapshot)) {
            return walk.filter(path -> Files.isRegularFile(path) || Files.isSymbolicLink(path))
                    .map(path -> snapshot.relativize(path).toString().replace('\\', '/'))
                    .filter(SplitLocator::isVisible)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UserInputException("cannot list the dataset snapshot '" + snapshot + "': " + AtomicFiles.describe(e), e);
        } catch (java.io.UncheckedIOException e) {
            throw new UserInputException("cannot list the dataset snapshot '" + snapshot + "': " + AtomicFiles.describe(e.getCause()), e);
        }
    }

    private static boolean isVisible(String relative) {
        for (String part : relative.split("/")) {
            if (part.startsWith(".") || part.startsWith("__")) {
                return false;
            }
        }
        return true;
    }

    /**
     * The split's data-file globs from the dataset card's {@code configs:}, or empty when the card declares none. A
     * config or split the card does not declare is an error naming those it does.
     */
    private static Optional<List<String>> declaredPatterns(Path snapshot, HubDatasetSplit split) {
        Path card = snapshot.resolve("README.md");
        if (!Files.isRegularFile(card)) {
            return Optional.empty();
        }
        Object header = cardHeader(card);
        if (!(header instanceof Map<?, ?> root) || !(root.get("configs") instanceof List<?> configs) || configs.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Map<?, ?>> byName = new LinkedHashMap<>();
        String defaultName = null;
        for (Object entry : configs) {
            if (entry instanceof Map<?, ?> config && config.get("config_name") != null) {
                String name = String.valueOf(config.get("config_name"));
                byName.put(name, config);
                if (Boolean.TRUE.equals(config.get("default"))) {
                    defaultName = name;
                }
            }
        }
        String wanted = split.config() != null ? split.config()
                : defaultName != null ? defaultName : byName.size() == 1 ? byName.keySet().iterator().next() : "default";
        Map<?, ?> config = byName.get(wanted);
        if (config == null) {
            throw new UserInputException(split.describe() + ": the dataset card " + card + " declares no config '" + wanted
                    + "' (configs: " + String.join(", ", byName.keySet()) + "); name one with `name:`");
        }
        Map<String, List<String>> bySplit = dataFiles(config.get("data_files"), card);
        List<String> patterns = bySplit.get(split.split());
        if (patterns == null) {
            throw new UserInputException(split.describe() + ": config '" + wanted + "' of the dataset card " + card
                    + " has no such split (splits: " + String.join(", ", bySplit.keySet()) + ")");
        }
        return Optional.of(patterns);
    }

    /** The YAML between the card's leading {@code ---} lines, or null without one. */
    private static Object cardHeader(Path card) {
        String text = ConfigFiles.readText(card, "dataset card");
        Matcher header = Pattern.compile("\\A---\\r?\\n(.*?)\\r?\\n---\\s*(\\r?\\n|\\z)", Pattern.DOTALL).matcher(text);
        if (!header.find()) {
            return null;
        }
        try {
            return YamlDocuments.load(header.group(1));
        } catch (RuntimeException e) {
            throw new UserInputException("dataset card '" + card + "' has a YAML header that does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * A config's {@code data_files} by split, in the shapes datasets accepts: a glob or list of globs (all
     * {@code train}), a mapping of split to glob(s), or a list of {@code {split, path}}.
     */
    private static Map<String, List<String>> dataFiles(Object value, Path card) {
        Map<String, List<String>> bySplit = new LinkedHashMap<>();
        switch (value) {
            case String glob -> bySplit.put("train", List.of(glob));
            case Map<?, ?> map -> map.forEach((split, globs) -> bySplit.put(String.valueOf(split), globs(globs, card)));
            case List<?> list when list.stream().allMatch(item -> item instanceof Map<?, ?>) -> {
                for (Object item : list) {
                    Map<?, ?> entry = (Map<?, ?>) item;
                    bySplit.put(String.valueOf(entry.get("split")), globs(entry.get("path"), card));
                }
            }
            case List<?> list -> bySplit.put("train", globs(list, card));
            case null, default -> throw new UserInputException("dataset card '" + card + "': a config's data_files is not a"
                    + " glob, a list of globs or a list of {split, path}");
        }
        return bySplit;
    }

    private static List<String> globs(Object value, Path card) {
        List<?> items = value instanceof List<?> list ? list : List.of(String.valueOf(value));
        List<String> globs = new ArrayList<>();
        for (Object item : items) {
            String glob = String.valueOf(item);
            if (glob.contains("..") || glob.startsWith("/") || glob.contains("://")) {
                throw new UserInputException("dataset card '" + card + "': data file pattern '" + glob + "' is not a path"
                        + " inside the repo");
            }
            globs.add(glob);
        }
        return globs;
    }

    private static List<String> matchGlobs(List<String> files, List<String> globs) {
        TreeSet<String> matched = new TreeSet<>();
        for (String glob : globs) {
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            files.stream().filter(file -> matcher.matches(Path.of(file))).forEach(matched::add);
        }
        return List.copyOf(matched);
    }

    private static List<String> matchConventions(List<String> files, HubDatasetSplit split) {
        String name = Pattern.quote(split.split());
        String base = split.config() == null ? "data" : Pattern.quote(split.config());
        List<String> conventions = new ArrayList<>(List.of(base + "/" + name + SHARD, base + "/" + name + "/[^/]+\\.parquet"));
        if (split.config() == null) {
            conventions.add(name + "/[^/]+\\.parquet");
            conventions.add("(?:[^/]+/)*" + name + "(?:[-._ 0-9][^/]*)?\\.parquet");
        } else {
            conventions.add(base + "/" + name + "(?:[-._ 0-9][^/]*)?\\.parquet");
        }
        for (String convention : conventions) {
            Pattern pattern = Pattern.compile(convention);
            List<String> matched = files.stream().filter(file -> pattern.matcher(file).matches()).toList();
            if (!matched.isEmpty()) {
                checkOneFolder(matched, split);
                return matched;
            }
        }
        return List.of();
    }

    /** Files of one split spread over several top-level folders are most likely several configs: ask which. */
    private static void checkOneFolder(List<String> matched, HubDatasetSplit split) {
        TreeSet<String> folders = new TreeSet<>();
        matched.forEach(file -> folders.add(file.contains("/") ? file.substring(0, file.indexOf('/')) : "."));
        if (folders.size() > 1) {
            throw new UserInputException(split.describe() + ": its files are in several folders (" + String.join(", ", folders)
                    + "), perhaps one per config; name the config with `name:`");
        }
    }

    /** Split names the sharded convention finds, for the error when the asked one is missing. */
    private static List<String> splitsFound(List<String> files) {
        Pattern sharded = Pattern.compile("(?:[^/]+/)?([^/]+)" + SHARD);
        TreeSet<String> splits = new TreeSet<>();
        for (String file : files) {
            Matcher matcher = sharded.matcher(file);
            if (matcher.matches()) {
                splits.add(file.contains("/") && !file.startsWith("data/") ? file.substring(0, file.indexOf('/')) + "/"
                        + matcher.group(1) : matcher.group(1));
            }
        }
        return splits.isEmpty() ? List.of("none") : List.copyOf(splits);
    }
}

package amalgam.data.hub;

import amalgam.UserInputException;
import amalgam.io.HubCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A GLUE task's split from the Hugging Face datasets cache, as FusionBench's GPT-2 pools load it
 * ({@code load_dataset("glue", name)}: the hub's {@code nyu-mll/glue} repo, which {@code glue} redirects to; one
 * config per task, {@code {task}/{split}-NNNNN-of-NNNNN.parquet}): each row's text (and second text of a pair) in the
 * columns FusionBench tokenizes for that task, and its label. Rows in dataset order; a negative label (the unlabeled
 * test splits) is bad input.
 */
public final class GlueSplit {
    /** One row: a text, the second text of a pair (or null), the label. */
    public record Row(String text, String pair, int label) {
    }

    /** The repo ids the GLUE data may be cached under: the hub's current one, then the old canonical name. */
    static final List<String> REPOS = List.of("nyu-mll/glue", "glue");

    /** The text columns FusionBench's TokenizedGLUE reads per task (one, or a pair). */
    static final Map<String, List<String>> COLUMNS = Map.of(
            "cola", List.of("sentence"),
            "sst2", List.of("sentence"),
            "mrpc", List.of("sentence1", "sentence2"),
            "qqp", List.of("question1", "question2"),
            "mnli", List.of("premise", "hypothesis"),
            "qnli", List.of("question", "sentence"),
            "rte", List.of("sentence1", "sentence2"),
            "wnli", List.of("sentence1", "sentence2"));

    private GlueSplit() {
    }

    /** The split's parquet files in dataset order. */
    public static List<Path> files(Path hubCache, String task, String split) {
        columns(task);
        UserInputException missing = null;
        for (String repo : REPOS) {
            if (!Files.isDirectory(hubCache.resolve(HubCache.RepoType.DATASET.folderName(repo)))) {
                continue;
            }
            try {
                Path snapshot = HubCache.snapshot(hubCache, HubCache.RepoType.DATASET, repo, null);
                return SplitLocator.find(snapshot, new HubDatasetSplit(repo, task, split, null));
            } catch (UserInputException e) {
                missing = e;
            }
        }
        if (missing != null) {
            throw missing;
        }
        // neither is cached: the message of the current repo id says how to fetch it
        HubCache.snapshot(hubCache, HubCache.RepoType.DATASET, REPOS.getFirst(), null);
        throw new IllegalStateException("unreachable");
    }

    /** The first {@code limit} rows of the split (null: all). */
    public static List<Row> read(Path hubCache, String task, String split, Integer limit) {
        List<String> columns = columns(task);
        String where = "GLUE task '" + task + "', split '" + split + "'";
        List<Row> rows = new ArrayList<>();
        try (Connection connection = ParquetTables.connect(); Statement statement = connection.createStatement()) {
            for (Path file : files(hubCache, task, split)) {
                String select = "SELECT " + String.join(", ", columns) + ", label FROM read_parquet(" + ParquetTables.literal(file) + ")";
                try (ResultSet result = statement.executeQuery(select)) {
                    while (result.next() && (limit == null || rows.size() < limit)) {
                        String text = result.getString(1);
                        String pair = columns.size() == 2 ? result.getString(2) : null;
                        long label = result.getLong(columns.size() + 1);
                        if (text == null || (columns.size() == 2 && pair == null) || result.wasNull() || label < 0) {
                            throw new UserInputException(where + ": row " + rows.size() + " has no text or no label (label " + label
                                    + "); GLUE's test splits are unlabeled, evaluate on validation");
                        }
                        rows.add(new Row(text, pair, Math.toIntExact(label)));
                    }
                } catch (SQLException e) {
                    throw ParquetTables.unreadable(file, "the columns " + columns + " and label", e);
                }
            }
        } catch (SQLException e) {
            throw new UserInputException(where + ": cannot close DuckDB: " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new UserInputException(where + " has no rows");
        }
        return rows;
    }

    private static List<String> columns(String task) {
        List<String> columns = COLUMNS.get(task);
        if (columns == null) {
            throw new UserInputException("GLUE task '" + task + "' is not one FusionBench's GPT-2 pools read (one of "
                    + String.join(", ", COLUMNS.keySet().stream().sorted().toList()) + ")");
        }
        return columns;
    }
}

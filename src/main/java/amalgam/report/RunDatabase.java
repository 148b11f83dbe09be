package amalgam.report;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The run database: a DuckDB file, {@code runs.duckdb} in the records folder, one row per run in {@code runs} (with
 * the whole record as JSON) and its parameters, input models and per-task metrics in side tables, for SQL.
 * <p>
 * Runs never open it (DuckDB takes about 0.6 s to start and lets one process at a time write a file): they leave
 * {@link PendingRecords}, which every opening ingests in one transaction, then deletes. Openings that collide wait for
 * each other's lock, up to a timeout. A process killed while ingesting leaves the last committed state (DuckDB's
 * write-ahead log) and its files still pending; ingestion skips records already in by their uuid.
 */
public final class RunDatabase implements AutoCloseable {
    /** The database file's name in the records folder. */
    public static final String FILE = "runs.duckdb";
    private static final int SCHEMA_VERSION = 1;
    private static final Pattern SEQUENCE = Pattern.compile("\\d{1,9}");
    private static final Pattern SHORT_ID = Pattern.compile("(\\d{1,9})-([0-9a-f]{6})");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{4,32}");
    private static final String HASH_QUERY = "SELECT id, record_json FROM runs WHERE starts_with(replace(uuid, '-', ''), ?) ORDER BY seq";

    private final Connection connection;
    private final Path file;

    private RunDatabase(Connection connection, Path file) {
        this.connection = connection;
        this.file = file;
    }

    /**
     * Opens (creating it if needed) the database of {@code recordsFolder} and ingests its pending records; waits up to
     * {@code lockTimeout} for another amalgam process that has it open.
     */
    public static RunDatabase open(Path recordsFolder, Duration lockTimeout, Consumer<String> warnings) {
        try {
            Files.createDirectories(recordsFolder);
        } catch (IOException e) {
            throw new UserInputException("cannot create the run records folder '" + recordsFolder + "': " + e.getMessage(), e);
        }
        Path file = recordsFolder.resolve(FILE);
        RunDatabase database = new RunDatabase(connect(file, lockTimeout), file);
        try {
            database.createSchema();
            database.ingest(new PendingRecords(recordsFolder), warnings);
            return database;
        } catch (SQLException | RuntimeException e) {
            database.close();
            if (e instanceof UserInputException user) {
                throw user;
            }
            throw new IllegalStateException("run database '" + file + "': " + e.getMessage(), e);
        }
    }

    /** The runs, oldest first; only those of {@code method} if not null; only the last {@code last} if not null. */
    public List<StoredRun> list(String method, Integer last) {
        String where = method == null ? "" : " WHERE method = ?";
        String sql = "SELECT id, record_json FROM (SELECT seq, id, record_json FROM runs" + where + " ORDER BY seq DESC"
                + (last == null ? "" : " LIMIT " + last) + ") ORDER BY seq";
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            if (method != null) {
                query.setString(1, method);
            }
            return runs(query);
        } catch (SQLException e) {
            throw failure("reading", e);
        }
    }

    /**
     * The run {@code id}: its short id ({@code 12-3fa9c2}), its sequence number ({@code 12}) or the start of its hash
     * ({@code 3fa9c2}); bad input if none or several match.
     */
    public StoredRun find(String id) {
        String text = id.strip().toLowerCase(java.util.Locale.ROOT);
        String sql;
        String key;
        if (SHORT_ID.matcher(text).matches()) {
            sql = "SELECT id, record_json FROM runs WHERE id = ?";
            key = text;
        } else if (SEQUENCE.matcher(text).matches()) {
            sql = "SELECT id, record_json FROM runs WHERE seq = CAST(? AS INTEGER)";
            key = text;
        } else if (HASH.matcher(text).matches()) {
            sql = HASH_QUERY;
            key = text;
        } else {
            throw new UserInputException("'" + id + "' is not a run id: give one as 'amalgam runs list' shows it (e.g. 12-3fa9c2),"
                    + " its number (12) or its hash (3fa9c2)");
        }
        List<StoredRun> found = query(sql, key);
        if (found.isEmpty() && SEQUENCE.matcher(text).matches() && HASH.matcher(text).matches()) {
            // a hash may be all digits: when no run has that number, it is read as the start of a hash
            found = query(HASH_QUERY, text);
        }
        if (found.isEmpty()) {
            throw new UserInputException("no run '" + id + "' in the run database '" + file + "'; 'amalgam runs list' shows the ids");
        }
        if (found.size() > 1) {
            throw new UserInputException("'" + id + "' matches several runs (" + String.join(", ", found.stream().map(StoredRun::id).toList())
                    + "); give the whole id");
        }
        return found.getFirst();
    }

    private List<StoredRun> query(String sql, String key) {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, key);
            return runs(query);
        } catch (SQLException e) {
            throw failure("reading", e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a read connection loses nothing; ingestion committed before
        }
    }

    private static Connection connect(Path file, Duration lockTimeout) {
        Properties settings = new Properties();
        settings.setProperty("threads", "1");
        settings.setProperty("autoinstall_known_extensions", "false");
        settings.setProperty("autoload_known_extensions", "false");
        long deadline = System.nanoTime() + lockTimeout.toNanos();
        while (true) {
            try {
                return DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath(), settings);
            } catch (SQLException e) {
                String message = String.valueOf(e.getMessage());
                boolean locked = message.contains("Could not set lock") || message.contains("Conflicting lock");
                if (!locked) {
                    throw new UserInputException("cannot open the run database '" + file + "' (not a DuckDB file, or damaged?): "
                            + message.lines().findFirst().orElse(""), e);
                }
                if (System.nanoTime() > deadline) {
                    throw new UserInputException("the run database '" + file + "' stayed in use by another amalgam process for "
                            + lockTimeout.toSeconds() + " s; try again when it is done", e);
                }
                sleep(Duration.ofMillis(50 + (long) (Math.random() * 100)));
            } catch (LinkageError e) {
                throw new IllegalStateException("cannot start DuckDB, which keeps the run records (its native library is unpacked"
                        + " into java.io.tmpdir, which must be writable): " + e.getMessage(), e);
            }
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the run database", e);
        }
    }

    private void createSchema() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS amalgam_schema (version INTEGER NOT NULL)");
            try (ResultSet version = statement.executeQuery("SELECT max(version) FROM amalgam_schema")) {
                version.next();
                int found = version.getInt(1);
                if (found > SCHEMA_VERSION) {
                    throw new UserInputException("the run database '" + file + "' was written by a newer amalgam (schema " + found
                            + ", this one reads " + SCHEMA_VERSION + ")");
                }
                if (found == SCHEMA_VERSION) {
                    return;
                }
            }
            statement.execute("BEGIN TRANSACTION");
            for (String table : RunSchema.TABLES) {
                statement.execute(table);
            }
            statement.execute("INSERT INTO amalgam_schema VALUES (" + SCHEMA_VERSION + ")");
            statement.execute("COMMIT");
        }
    }

    /** Moves the pending records into the database in one transaction, then deletes their files. */
    private void ingest(PendingRecords pending, Consumer<String> warnings) throws SQLException {
        List<PendingRecords.Ready> ready = pending.ready(warnings);
        if (ready.isEmpty()) {
            return;
        }
        connection.setAutoCommit(false);
        try {
            int next = nextSequence();
            for (PendingRecords.Ready entry : ready) {
                if (!contains(entry.record().uuid())) {
                    insert(next++, entry.record());
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
        ready.forEach(pending::remove);
    }

    private int nextSequence() throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet max = statement.executeQuery("SELECT coalesce(max(seq), 0) FROM runs")) {
            max.next();
            return max.getInt(1) + 1;
        }
    }

    private boolean contains(String uuid) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT count(*) FROM runs WHERE uuid = ?")) {
            query.setString(1, uuid);
            try (ResultSet count = query.executeQuery()) {
                count.next();
                return count.getInt(1) > 0;
            }
        }
    }

    private void insert(int sequence, RunRecord record) throws SQLException {
        String id = sequence + "-" + record.shortHash();
        try (PreparedStatement row = connection.prepareStatement(RunSchema.INSERT_RUN)) {
            int c = 1;
            row.setInt(c++, sequence);
            row.setString(c++, id);
            row.setString(c++, record.uuid());
            row.setString(c++, record.command());
            row.setString(c++, record.dialect());
            row.setString(c++, record.method());
            row.setString(c++, record.status().label());
            row.setString(c++, record.error());
            row.setString(c++, timestamp(record.timings().startedAt()));
            row.setString(c++, timestamp(record.timings().finishedAt()));
            setLong(row, c++, record.timings().duration() == null ? null : record.timings().duration().toMillis());
            row.setLong(c++, record.seed());
            row.setString(c++, record.modelPool());
            row.setString(c++, record.taskPool());
            setDouble(row, c++, record.averageAccuracy(RunRecord.FUSED));
            setDouble(row, c++, record.averageLoss(RunRecord.FUSED));
            setLong(row, c++, record.modelInfo() == null ? null : record.modelInfo().trainableParams());
            setLong(row, c++, record.modelInfo() == null ? null : record.modelInfo().allParams());
            row.setString(c++, record.invocation().outputPath());
            row.setString(c++, record.invocation().reportPath());
            row.setString(c++, record.invocation().sweep());
            row.setInt(c++, record.invocation().job());
            row.setString(c++, String.join(" ", record.invocation().arguments()));
            row.setString(c++, record.invocation().workingDirectory());
            row.setString(c++, record.environment().software().get("amalgam"));
            row.setString(c++, record.environment().jvm());
            row.setString(c++, record.environment().os());
            row.setString(c++, record.environment().host());
            row.setInt(c++, record.environment().cores());
            row.setLong(c++, record.environment().memoryBytes());
            row.setString(c++, record.configText());
            row.setString(c, RecordJson.write(record));
            row.executeUpdate();
        }
        try (PreparedStatement parameter = connection.prepareStatement("INSERT INTO run_parameters VALUES (?, ?, ?)")) {
            for (Map.Entry<String, Object> entry : record.parameters().entrySet()) {
                parameter.setInt(1, sequence);
                parameter.setString(2, entry.getKey());
                parameter.setString(3, RecordJson.write(entry.getValue()));
                parameter.executeUpdate();
            }
        }
        try (PreparedStatement model = connection.prepareStatement("INSERT INTO run_models VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < record.models().size(); i++) {
                RunRecord.ModelInput input = record.models().get(i);
                model.setInt(1, sequence);
                model.setInt(2, i);
                model.setString(3, input.name());
                model.setString(4, input.path());
                model.setString(5, input.sha256());
                model.setLong(6, input.files().stream().mapToLong(amalgam.io.FileDigests.FileDigest::bytes).sum());
                model.executeUpdate();
            }
        }
        try (PreparedStatement metric = connection.prepareStatement("INSERT INTO run_metrics VALUES (?, ?, ?, ?, ?)")) {
            for (RunRecord.TaskScore score : record.scores()) {
                metric.setInt(1, sequence);
                metric.setString(2, score.model());
                metric.setString(3, score.task());
                if (score.accuracy() == null) {
                    metric.setNull(4, Types.DOUBLE);
                } else {
                    metric.setDouble(4, score.accuracy());
                }
                if (score.loss() == null) {
                    metric.setNull(5, Types.DOUBLE);
                } else {
                    metric.setDouble(5, score.loss());
                }
                metric.executeUpdate();
            }
        }
    }

    private List<StoredRun> runs(PreparedStatement query) throws SQLException {
        List<StoredRun> runs = new ArrayList<>();
        try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                String id = rows.getString(1);
                try {
                    runs.add(new StoredRun(id, RecordJson.read(rows.getString(2))));
                } catch (IOException e) {
                    throw new UncheckedIOException("run " + id + " in '" + file + "' has a damaged record", e);
                }
            }
        }
        return runs;
    }

    /** UTC, as DuckDB's TIMESTAMP reads it. */
    private static String timestamp(Instant instant) {
        return instant == null ? null : LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString();
    }

    private static void setLong(PreparedStatement statement, int index, Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
    }

    private static void setDouble(PreparedStatement statement, int index, java.util.OptionalDouble value) throws SQLException {
        if (value.isPresent()) {
            statement.setDouble(index, value.getAsDouble());
        } else {
            statement.setNull(index, Types.DOUBLE);
        }
    }

    private IllegalStateException failure(String doing, SQLException e) {
        return new IllegalStateException(doing + " the run database '" + file + "': " + e.getMessage(), e);
    }
}

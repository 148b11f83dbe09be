package amalgam.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.testing.ChildCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingestion of pending records into the database: finished runs once each, dead runs as interrupted, live runs not
 * yet; and a process killed (SIGKILL) while it ingests leaves a readable database that the next opening completes,
 * with no record lost or doubled.
 */
class RunDatabaseTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    static RunRecord record(String method, ProcessHandle process, Instant started) {
        RunRecord.Invocation invocation = new RunRecord.Invocation(List.of("run", "method=" + method), "/work", null, null, null, 0,
                process.pid(), process.info().startInstant().orElse(null));
        return new RunRecord(UUID.randomUUID().toString(), "run", "fusionbench", method, Map.of("scaling_factor", 0.3), "method: {}\n",
                List.of(), "mini8", "mini8", List.of(new RunRecord.TaskScore(RunRecord.FUSED, "mnist", 0.5, 1.0)),
                new RunRecord.ModelInfo(10, 10), RunRecord.Diagnostics.NONE, 0, RunRecord.Status.INTERRUPTED, null, new RunRecord.Timings(started, null), invocation,
                new RunRecord.Environment(Map.of("amalgam", "dev"), 2, 1L << 30, "Linux", "JVM", MachineInfo.host()));
    }

    private static ProcessHandle deadProcess() throws Exception {
        Process process = new ProcessBuilder("true").start();
        ProcessHandle handle = process.toHandle();
        process.waitFor();
        return handle;
    }

    @Test
    void finishedRunsAreIngestedOnceDeadOnesAsInterruptedLiveOnesNotYet() throws Exception {
        Path folder = temp.resolve("records");
        PendingRecords pending = new PendingRecords(folder);
        Instant now = Instant.now();
        RunRecord finished = record("task_arithmetic", ProcessHandle.current(), now);
        pending.started(finished);
        pending.finished(finished.ended(RunRecord.Status.OK, null, now.plusSeconds(5)));
        RunRecord running = record("ties_merging", ProcessHandle.current(), now.plusSeconds(1));
        pending.started(running);
        RunRecord killed = record("simple_average", deadProcess(), now.plusSeconds(2));
        pending.started(killed);
        // a final record whose file outlived its ingestion (killed between commit and delete) is not ingested twice
        Path leftover = folder.resolve("pending").resolve(finished.uuid() + ".json");
        String text = Files.readString(leftover);

        try (RunDatabase database = RunDatabase.open(folder, WAIT, warning -> { throw new AssertionError(warning); })) {
            List<StoredRun> runs = database.list(null, null);
            assertEquals(List.of("task_arithmetic", "simple_average"), runs.stream().map(run -> run.record().method()).toList());
            assertEquals(RunRecord.Status.OK, runs.get(0).record().status());
            assertEquals(RunRecord.Status.INTERRUPTED, runs.get(1).record().status());
            assertTrue(runs.get(0).id().matches("1-[0-9a-f]{6}") && runs.get(1).id().startsWith("2-"), runs.toString());
            assertEquals(runs.get(1).record().uuid(), database.find(runs.get(1).record().shortHash()).record().uuid());
        }
        Files.writeString(leftover, text);
        try (RunDatabase database = RunDatabase.open(folder, WAIT, warning -> { })) {
            assertEquals(2, database.list(null, null).size(), "the live run waits, the leftover is not doubled");
            assertTrue(Files.exists(folder.resolve("pending").resolve(running.uuid() + ".running.json")));
            assertTrue(!Files.exists(leftover));
        }
    }

    @Test
    void anAllDigitHashIsReadAsAHashWhenNoRunHasThatNumber() throws Exception {
        Path folder = temp.resolve("digits");
        PendingRecords pending = new PendingRecords(folder);
        Instant now = Instant.now();
        RunRecord first = record("task_arithmetic", ProcessHandle.current(), now);
        RunRecord digits = withUuid(record("ties_merging", ProcessHandle.current(), now.plusSeconds(1)), "00000002-1111-4111-8111-111111111111");
        for (RunRecord run : List.of(first, digits)) {
            pending.started(run);
            pending.finished(run.ended(RunRecord.Status.OK, null, now.plusSeconds(5)));
        }
        try (RunDatabase database = RunDatabase.open(folder, WAIT, warning -> { throw new AssertionError(warning); })) {
            assertEquals("ties_merging", database.find("000000").record().method(), "no run 0: the start of a hash");
            assertEquals("ties_merging", database.find("2").record().method(), "run 2 by its number");
            assertEquals("task_arithmetic", database.find("1").record().method(), "run 1 by its number");
            assertEquals("ties_merging", database.find("0000000211").record().method(), "no run 211: the start of a hash");
        }
    }

    private static RunRecord withUuid(RunRecord record, String uuid) {
        return new RunRecord(uuid, record.command(), record.dialect(), record.method(), record.parameters(), record.configText(),
                record.models(), record.modelPool(), record.taskPool(), record.scores(), record.modelInfo(), record.diagnostics(),
                record.seed(), record.status(), record.error(), record.timings(), record.invocation(), record.environment());
    }

    @Test
    void anUnreadableRecordIsSetAsideWithAWarning() throws Exception {
        Path folder = temp.resolve("records");
        Files.createDirectories(folder.resolve("pending"));
        Files.writeString(folder.resolve("pending").resolve(UUID.randomUUID() + ".json"), "{\"uuid\": ");
        List<String> warnings = new ArrayList<>();
        try (RunDatabase database = RunDatabase.open(folder, WAIT, warnings::add)) {
            assertEquals(0, database.list(null, null).size());
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("set aside"), warnings.getFirst());
    }

    @Test
    void aFileThatIsNotADatabaseIsBadInput() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("records"));
        Files.writeString(folder.resolve(RunDatabase.FILE), "not a database");
        UserInputException refused = org.junit.jupiter.api.Assertions.assertThrows(UserInputException.class,
                () -> RunDatabase.open(folder, WAIT, warning -> { }));
        assertTrue(refused.getMessage().contains(RunDatabase.FILE), refused.getMessage());
    }

    @Test
    void aProcessKilledWhileIngestingLeavesAReadableDatabaseAndLosesNothing() throws Exception {
        Path folder = temp.resolve("records");
        PendingRecords pending = new PendingRecords(folder);
        Instant start = Instant.now();
        int count = 0;
        Path logs = temp.resolve("logs");
        List<Integer> exits = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 150; i++, count++) {
                RunRecord record = record("method_" + round, ProcessHandle.current(), start.plusMillis(count));
                pending.finished(record.ended(RunRecord.Status.OK, null, start.plusMillis(count + 1)));
            }
            Process ingesting = ChildCli.start(logs, "ingest" + round, "runs", "list", "--records", folder.toString());
            // round 0: killed inside its transaction (DuckDB's write-ahead log exists from the first write to the
            // checkpoint); round 1: after a fixed time; round 2: let finish
            if (round == 0) {
                Path wal = folder.resolve(RunDatabase.FILE + ".wal");
                while (ingesting.isAlive() && !Files.exists(wal)) {
                    Thread.onSpinWait();
                }
                ingesting.destroyForcibly();
            } else if (round == 1 && !ingesting.waitFor(1500, TimeUnit.MILLISECONDS)) {
                ingesting.destroyForcibly();
            }
            assertTrue(ingesting.waitFor(1, TimeUnit.MINUTES));
            exits.add(ingesting.exitValue());
            try (RunDatabase database = RunDatabase.open(folder, WAIT, warning -> { throw new AssertionError(warning); })) {
                List<StoredRun> runs = database.list(null, null);
                assertEquals(count, runs.size(), "round " + round + ": every record once");
                assertEquals(count, new HashSet<>(runs.stream().map(run -> run.record().uuid()).toList()).size());
                for (int i = 0; i < runs.size(); i++) {
                    assertTrue(runs.get(i).id().startsWith((i + 1) + "-"), "sequence numbers without gaps: " + runs.get(i).id());
                }
            }
        }
        assertEquals(137, exits.getFirst(), "killed (SIGKILL) in its transaction: " + exits);
        assertEquals(0, exits.getLast(), exits.toString());
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import amalgam.testing.ChildCli;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run records' two promises, with real processes: two runs at once are both recorded (and two {@code runs}
 * commands at once both answer: the second waits for the first's database lock), and a run killed with SIGKILL leaves
 * the database readable, the run listed as {@code interrupted}.
 */
class RunRecordsProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Path records() {
        return temp.resolve("records");
    }

    private static int finish(Process process, String what) throws InterruptedException {
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(what + " did not finish in three minutes");
        }
        return process.exitValue();
    }

    private JsonNode list() throws Exception {
        CliRunner list = CliRunner.run("runs", "list", "--json", "--records", records().toString());
        assertEquals(0, list.exitCode(), list.err());
        return JSON.readTree(list.out());
    }

    @Test
    void twoRunsAtOnceAreBothRecorded() throws Exception {
        Path benchmark = temp.resolve("benchmark");
        TinyTrainPools.write(benchmark, 4);
        Path logs = temp.resolve("logs");
        Process first = ChildCli.start(logs, "first", "run", "--records", records().toString(), "--threads", "1",
                "modelpool=" + benchmark.resolve("pool.yaml"), "taskpool=" + benchmark.resolve("tasks.yaml"), "method=task_arithmetic");
        Process second = ChildCli.start(logs, "second", "run", "--records", records().toString(), "--threads", "1",
                "modelpool=" + benchmark.resolve("pool.yaml"), "taskpool=" + benchmark.resolve("tasks.yaml"), "method=simple_average");
        assertEquals(0, finish(first, "the first run"), ChildCli.err(logs, "first"));
        assertEquals(0, finish(second, "the second run"), ChildCli.err(logs, "second"));

        // two readers at once: one ingests while the other waits for its lock, and both see both runs
        Process reader = ChildCli.start(logs, "reader", "runs", "list", "--json", "--records", records().toString());
        Process other = ChildCli.start(logs, "other", "runs", "list", "--json", "--records", records().toString());
        assertEquals(0, finish(reader, "runs list"), ChildCli.err(logs, "reader"));
        assertEquals(0, finish(other, "runs list"), ChildCli.err(logs, "other"));
        for (String name : List.of("reader", "other")) {
            JsonNode runs = JSON.readTree(ChildCli.out(logs, name));
            assertEquals(2, runs.size(), name + ": " + runs);
            Set<String> methods = new HashSet<>();
            runs.forEach(run -> {
                assertEquals("ok", run.get("status").asText(), run.toString());
                methods.add(run.get("method").asText());
            });
            assertEquals(Set.of("task_arithmetic", "simple_average"), methods);
        }
    }

    @Test
    void aRunKilledWithSigkillLeavesTheDatabaseReadable() throws Exception {
        Path logs = temp.resolve("logs");
        // a database with one finished run in it first, so the kill happens next to a live database file
        Path benchmark = temp.resolve("benchmark");
        TinyTrainPools.write(benchmark, 4);
        Process finished = ChildCli.start(logs, "finished", "run", "--records", records().toString(), "--threads", "1",
                "modelpool=" + benchmark.resolve("pool.yaml"), "taskpool=" + benchmark.resolve("tasks.yaml"), "method=task_arithmetic");
        assertEquals(0, finish(finished, "the first run"), ChildCli.err(logs, "finished"));
        assertEquals(1, list().size());

        // the built-in benchmark runs for seconds after it has written its start marker: kill it then
        Process killed = ChildCli.start(logs, "killed", "run", "--records", records().toString());
        Path pending = records().resolve("pending");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!hasMarker(pending)) {
            assertTrue(killed.isAlive(), "the run ended before it could be killed: " + ChildCli.err(logs, "killed"));
            assertTrue(System.nanoTime() < deadline, "no start marker in two minutes");
            Thread.sleep(10);
        }
        killed.destroyForcibly(); // SIGKILL
        assertTrue(killed.waitFor(1, TimeUnit.MINUTES));
        assertEquals(137, killed.exitValue(), "killed by SIGKILL");

        JsonNode runs = list();
        assertEquals(2, runs.size(), runs.toString());
        assertEquals("ok", runs.get(0).get("status").asText());
        assertEquals("interrupted", runs.get(1).get("status").asText(), runs.toString());
        CliRunner show = CliRunner.run("runs", "show", runs.get(1).get("id").asText(), "--records", records().toString());
        assertEquals(0, show.exitCode(), show.err());
        assertTrue(show.out().contains("interrupted: the process ended before the run did"), show.out());
        assertEquals(List.of(), pendingFiles(pending), "every record ingested");
    }

    private static boolean hasMarker(Path pending) throws Exception {
        return pendingFiles(pending).stream().anyMatch(name -> name.endsWith(".running.json"));
    }

    private static List<String> pendingFiles(Path pending) throws Exception {
        if (!Files.isDirectory(pending)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(pending)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> !name.startsWith(".")).toList();
        }
    }
}

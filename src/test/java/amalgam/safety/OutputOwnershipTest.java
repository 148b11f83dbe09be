package amalgam.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.cli.Main;
import amalgam.io.OutputDirectory;
import amalgam.io.OutputLock;
import amalgam.io.OutputManifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output replaces only what amalgam can prove it wrote: an empty folder or an earlier output whose manifest
 * matches; the user's files, inputs, folders holding inputs and the working directory are refused before any work.
 */
class OutputOwnershipTest {
    @TempDir
    Path temp;
    private Path models;
    private Path config;
    private Path pool;

    @BeforeEach
    void models() throws IOException {
        models = TinyModels.create(temp.resolve("models"), 8);
        config = TinyModels.tiesConfig(models, temp.resolve("ties.yml"));
        pool = TinyModels.pool(models, temp.resolve("pool.yaml"));
    }

    @Test
    void foreignDirectoryIsRefusedAndKept() throws IOException {
        Path out = Files.createDirectories(temp.resolve("out"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        Files.copy(models.resolve("base/model.safetensors"), out.resolve("model.safetensors"));
        Result result = merge(out);
        assertEquals(2, result.code(), result.err());
        assertTrue(result.err().contains("refusing to replace"), result.err());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertTrue(Files.exists(out.resolve("model.safetensors")));
        assertNoDebris(out);
    }

    @Test
    void earlierOutputIsReplacedButNotOnceTheUserAddedAFile() throws IOException {
        Path out = temp.resolve("out");
        assertEquals(0, merge(out).code());
        assertTrue(OutputManifest.describesExactly(out));
        assertEquals(0, merge(out).code(), "an earlier output is replaced");
        assertTrue(OutputManifest.describesExactly(out));
        assertNoDebris(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        Result refused = merge(out);
        assertEquals(2, refused.code(), refused.err());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
    }

    @Test
    void anOutputWithAChangedFileIsNotOursAnyMore() throws IOException {
        Path out = temp.resolve("out");
        assertEquals(0, merge(out).code());
        Files.writeString(out.resolve("config.json"), "{\"edited\": \"by the user, now longer than before\"}");
        assertEquals(2, merge(out).code());
        assertTrue(Files.readString(out.resolve("config.json")).contains("edited"));
    }

    @Test
    void inputsAndFoldersHoldingThemAreRefused() throws IOException {
        Path base = models.resolve("base");
        Files.writeString(base.resolve("LICENSE"), "license");
        for (Path out : List.of(base, models, temp)) {
            Result result = merge(out);
            assertEquals(2, result.code(), out + ": " + result.err());
            assertTrue(result.err().contains("input"), result.err());
        }
        assertEquals("license", Files.readString(base.resolve("LICENSE")));
        // an input that is itself an earlier amalgam output is still an input
        Path earlier = temp.resolve("earlier");
        assertEquals(0, merge(earlier).code());
        Path reuse = Files.writeString(temp.resolve("reuse.yml"), "merge_method: linear\nmodels:\n  - model: " + earlier
                + "\n    parameters: {weight: 1.0}\n");
        assertEquals(2, run("merge", reuse.toString(), earlier.toString()).code());
        assertTrue(OutputManifest.describesExactly(earlier));
    }

    @Test
    void runOutputsFollowTheSameRules() throws IOException {
        Path out = Files.createDirectories(temp.resolve("run-out"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        Result refused = run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy", "merged_model_save_path=" + out);
        assertEquals(2, refused.code(), refused.err());
        assertEquals(2, run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + models.resolve("task_a")).code());
        Path fresh = temp.resolve("fresh");
        assertEquals(0, run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + fresh).code());
        assertTrue(OutputManifest.describesExactly(fresh));
    }

    @Test
    void aReportPathHoldingAUserFileIsRefused() throws IOException {
        Path notes = Files.writeString(temp.resolve("notes.json"), "{\"mine\": true}");
        Result refused = run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy", "report_save_path=" + notes);
        assertEquals(2, refused.code(), refused.err());
        assertEquals("{\"mine\": true}", Files.readString(notes));
        Path report = temp.resolve("report.json");
        assertEquals(0, run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy", "report_save_path=" + report).code());
        assertEquals(0, run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy", "report_save_path=" + report).code(),
                "an earlier report is replaced");
    }

    @Test
    void theWorkingDirectoryIsRefused() throws Exception {
        Path work = Files.createDirectories(temp.resolve("work"));
        Files.writeString(work.resolve("train.log"), "log");
        Path cfg = Files.copy(config, work.resolve("ties.yml"));
        int code = ForkedCli.run(work, temp.resolve("logs"), "merge", cfg.toString(), ".");
        assertEquals(2, code, ForkedCli.err(temp.resolve("logs")));
        assertTrue(ForkedCli.err(temp.resolve("logs")).contains("working directory"));
        assertEquals("log", Files.readString(work.resolve("train.log")));
        assertTrue(Files.exists(cfg));
    }

    @Test
    void aSecondRunOnALockedOutputExitsTwo() throws IOException {
        Path out = temp.resolve("out");
        try (OutputLock held = OutputLock.acquire(out.toAbsolutePath())) {
            Result result = merge(out);
            assertEquals(2, result.code(), result.err());
            assertTrue(result.err().contains("another amalgam run"), result.err());
        }
        assertEquals(0, merge(out).code(), "the lock is gone with its holder");
        assertNoDebris(out);
    }

    @Test
    void debrisOfDeadRunsIsRemovedButForeignLookAlikesAreKept() throws IOException {
        Path out = temp.resolve("out");
        Path staging = Files.createDirectories(temp.resolve(".out.partial-123"));
        Files.createFile(staging.resolve(".amalgam-staging"));
        Files.write(staging.resolve("model.safetensors"), new byte[1000]);
        Path empty = Files.createDirectories(temp.resolve(".out.partial-456"));
        Path foreign = Files.createDirectories(temp.resolve(".out.partial-mine"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        Files.writeString(temp.resolve(".out.amalgam-lock"), "12345 stale");
        assertEquals(0, merge(out).code());
        assertFalse(Files.exists(staging));
        assertFalse(Files.exists(empty));
        assertFalse(Files.exists(temp.resolve(".out.amalgam-lock")));
        assertEquals("mine", Files.readString(foreign.resolve("notes.txt")));
    }

    @Test
    void anEarlierOutputSetAsideByACrashIsMovedBack() throws IOException {
        Path out = temp.resolve("out");
        assertEquals(0, merge(out).code());
        Path aside = temp.resolve(".out.partial-old-999");
        Files.move(out, aside);
        try (OutputDirectory claimed = OutputDirectory.claim(out)) {
            assertTrue(OutputManifest.describesExactly(out), "restored before the new run starts");
        }
        assertFalse(Files.exists(aside));
        assertTrue(OutputManifest.describesExactly(out), "a run that publishes nothing leaves the earlier output");
    }

    private static void assertNoDebris(Path out) throws IOException {
        try (Stream<Path> siblings = Files.list(out.toAbsolutePath().getParent())) {
            List<String> names = siblings.map(path -> path.getFileName().toString())
                    .filter(name -> name.startsWith("." + out.getFileName() + ".")).toList();
            assertEquals(List.of(), names);
        }
    }

    private Result merge(Path out) {
        return run("merge", config.toString(), out.toString(), "--no-progress");
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, err.toString());
    }

    private record Result(int code, String err) {
    }
}

package amalgam.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.OutputManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs survive kill -9 at any point (the path holds the old output or the new one, complete), the next run
 * leaves no debris, and the same command writes byte-identical files in two JVMs.
 */
class CrashSafetyTest {
    /** Kills per test: each costs a JVM start (about a second); the random points differ per run of the suite. */
    private static final int KILLS = Integer.getInteger("amalgam.crash.kills", 6);

    @TempDir
    Path temp;
    private Path models;
    private Path config;

    @BeforeEach
    void models() throws IOException {
        models = TinyModels.create(temp.resolve("models"), 4096);
        config = TinyModels.tiesConfig(models, temp.resolve("ties.yml"));
    }

    @Test
    void sameCommandInTwoJvmsWritesIdenticalFiles() throws Exception {
        Path out = temp.resolve("out");
        Path pool = TinyModels.pool(models, temp.resolve("pool.yaml"));
        for (List<String> command : List.of(
                List.of("merge", config.toString(), out.toString(), "--seed", "3", "--threads", "1"),
                List.of("run", "--threads", "2", "method=ties_merging", "modelpool=" + pool, "taskpool=dummy",
                        "merged_model_save_path=" + out))) {
            assertEquals(0, ForkedCli.run(temp, temp.resolve("logs1"), command.toArray(String[]::new)), ForkedCli.err(temp.resolve("logs1")));
            Map<String, String> first = digests(out);
            List<String> again = command.stream().map(arg -> arg.equals("1") ? "2" : arg.equals("2") ? "1" : arg).toList();
            assertEquals(0, ForkedCli.run(temp, temp.resolve("logs2"), again.toArray(String[]::new)), ForkedCli.err(temp.resolve("logs2")));
            assertEquals(first, digests(out), "every output file byte-identical across JVMs and thread counts: " + command);
        }
    }

    @Test
    void killedMergesAndRunsLeaveTheOldOrTheNewOutputAndNoDebris() throws Exception {
        Path pool = TinyModels.pool(models, temp.resolve("pool.yaml"));
        Path mergeOut = temp.resolve("merged");
        Path runOut = temp.resolve("fused");
        killRepeatedly(mergeOut, "merge", config.toString(), mergeOut.toString(), "--no-progress");
        killRepeatedly(runOut, "run", "method=ties_merging", "modelpool=" + pool, "taskpool=dummy", "merged_model_save_path=" + runOut);
    }

    /** Runs the command once to the end, then kills it at random points: OUT must always hold that output, whole. */
    private void killRepeatedly(Path out, String... command) throws Exception {
        assertEquals(0, ForkedCli.run(temp, temp.resolve("logs"), command), ForkedCli.err(temp.resolve("logs")));
        Map<String, String> complete = digests(out);
        Random random = new Random(System.nanoTime());
        for (int kill = 0; kill < KILLS; kill++) {
            Process process = ForkedCli.start(temp, temp.resolve("logs"), command);
            long delay = 150 + random.nextInt(2500);
            if (!process.waitFor(delay, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
            // the same command again: old and new outputs have the same bytes, so OUT must always hold exactly them
            assertTrue(OutputManifest.describesExactly(out), command[0] + " killed at " + delay + " ms");
            assertEquals(complete, digests(out), command[0] + " killed at " + delay + " ms");
        }
        assertEquals(0, ForkedCli.run(temp, temp.resolve("logs"), command), ForkedCli.err(temp.resolve("logs")));
        assertEquals(complete, digests(out));
        String prefix = "." + out.getFileName() + ".";
        try (Stream<Path> siblings = Files.list(temp)) {
            assertEquals(List.of(), siblings.map(path -> path.getFileName().toString()).filter(name -> name.startsWith(prefix)).toList(),
                    "the last run removed what the killed ones left");
        }
    }

    @Test
    void twoRunsOnOneOutputNeverInterleave() throws Exception {
        Path out = temp.resolve("out");
        String[] merge = {"merge", config.toString(), out.toString(), "--no-progress"};
        for (int round = 0; round < 3; round++) {
            Process first = ForkedCli.start(temp, temp.resolve("logs-a"), merge);
            Process second = ForkedCli.start(temp, temp.resolve("logs-b"), merge);
            assertTrue(first.waitFor(2, TimeUnit.MINUTES) && second.waitFor(2, TimeUnit.MINUTES));
            List<Integer> codes = List.of(first.exitValue(), second.exitValue());
            assertTrue(codes.contains(0) && codes.stream().allMatch(code -> code == 0 || code == 2),
                    codes + " " + ForkedCli.err(temp.resolve("logs-a")) + ForkedCli.err(temp.resolve("logs-b")));
            if (codes.contains(2)) {
                String err = ForkedCli.err(temp.resolve(codes.get(0) == 2 ? "logs-a" : "logs-b"));
                assertTrue(err.contains("another amalgam run"), err);
            }
            assertTrue(OutputManifest.describesExactly(out));
        }
        try (Stream<Path> siblings = Files.list(temp)) {
            assertEquals(List.of(), siblings.map(path -> path.getFileName().toString()).filter(name -> name.startsWith(".out.")).toList());
        }
    }

    static Map<String, String> digests(Path directory) throws Exception {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (InputStream in = Files.newInputStream(file)) {
                    sha.update(in.readAllBytes());
                }
                digests.put(directory.relativize(file).toString(), HexFormat.of().formatHex(sha.digest()));
            }
        }
        return digests;
    }
}

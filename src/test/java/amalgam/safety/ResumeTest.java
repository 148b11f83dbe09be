package amalgam.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.ResumeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge killed at random points and started again with the same arguments goes on from the tensors already on
 * disk (its journal) and ends with the same bytes as a run never interrupted. (Whether a kill lands while tensors
 * are written depends on the machine's speed; {@code amalgam.io.ResumableWriterTest} resumes deterministically.)
 */
class ResumeTest {
    /** Forces (and journal points) every 64 KiB, so the small test models have many resumable points. */
    private static final List<String> OFTEN_DURABLE = List.of("-Damalgam.syncAheadBytes=65536");

    @TempDir
    Path temp;

    @Test
    void killedMergesResumeToTheSameBytes() throws Exception {
        Path models = TinyModels.create(temp.resolve("models"), 4096);
        Path config = TinyModels.tiesConfig(models, temp.resolve("ties.yml"));
        Path reference = temp.resolve("reference").resolve("out");
        Files.createDirectories(reference.getParent());
        String[] small = {"--out-shard-size", "1200K", "--no-progress"};
        long start = System.nanoTime();
        assertEquals(0, ForkedCli.run(OFTEN_DURABLE, temp, temp.resolve("logs"), merge(config, reference, small)),
                ForkedCli.err(temp.resolve("logs")));
        long whole = (System.nanoTime() - start) / 1_000_000;
        Map<String, String> expected = CrashSafetyTest.digests(reference);
        assertTrue(expected.keySet().stream().filter(name -> name.endsWith(".safetensors")).count() > 2, "sharded: " + expected.keySet());

        Path out = Files.createDirectories(temp.resolve("resumed")).resolve("out");
        Random random = new Random(System.nanoTime());
        int resumedFrom = 0;
        for (int attempt = 0; attempt < 8 && !Files.exists(out); attempt++) {
            resumedFrom = Math.max(resumedFrom, durableTensors(out));
            Process process = ForkedCli.start(OFTEN_DURABLE, temp, temp.resolve("logs"), merge(config, out, small));
            // kill somewhere in the second half of a whole run's time, where tensors are being written
            long delay = attempt == 7 ? 120_000 : whole / 2 + random.nextLong(whole / 2);
            boolean finished = process.waitFor(delay, TimeUnit.MILLISECONDS);
            if (!finished) {
                process.destroyForcibly().waitFor();
            }
        }
        assertTrue(Files.exists(out), "the merge finished within eight attempts");
        assertEquals(expected, CrashSafetyTest.digests(out), "resumed output byte-identical to an uninterrupted run");
        try (Stream<Path> siblings = Files.list(out.getParent())) {
            assertEquals(List.of("out"), siblings.map(path -> path.getFileName().toString()).toList(), "no staging left");
        }
        System.out.println("resume test: restarts found up to " + resumedFrom + " durable tensors to resume from");
    }

    /** The furthest durable point any leftover staging folder of {@code out} records, in tensors. */
    private static int durableTensors(Path out) throws Exception {
        int furthest = 0;
        if (!Files.isDirectory(out.getParent())) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(out.getParent())) {
            for (Path journal : files.filter(path -> path.getFileName().toString().equals(ResumeJournal.FILE_NAME)).toList()) {
                for (String line : Files.readAllLines(journal)) {
                    String[] words = line.split(" ");
                    if (words.length == 5 && words[0].equals("durable")) {
                        furthest = Math.max(furthest, Integer.parseInt(words[1]));
                    }
                }
            }
        }
        return furthest;
    }

    private static String[] merge(Path config, Path out, String... options) {
        return Stream.concat(Stream.of("merge", config.toString(), out.toString()), Stream.of(options)).toArray(String[]::new);
    }
}

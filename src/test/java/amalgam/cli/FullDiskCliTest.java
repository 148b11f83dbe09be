package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge into a file system too small for its output, or mounted read-only: a real size-limited tmpfs, so this
 * runs only where the tests may mount one (as root with CAP_SYS_ADMIN, e.g. in CI containers); elsewhere it is
 * skipped and {@code amalgam.io.StorageFailuresTest} covers the same paths with a failing channel.
 */
class FullDiskCliTest {
    @TempDir
    Path temp;

    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            run("umount", mounted.toString());
        }
    }

    @Test
    void aMergeLargerThanTheFreeSpaceFailsBeforeWritingWithTheBytesNeeded() throws Exception {
        Path small = mountTmpfs("size=256k");
        Path out = small.resolve("merged");
        CliRunner result = CliRunner.run("merge", llamaMerge().toString(), out.toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("no space left on device at '"), result.err());
        assertTrue(result.err().matches("(?s).*, \\d+ bytes needed \\(\\d+ free there\\).*"), result.err());
        assertFalse(result.err().contains("\tat "), result.err());
        assertEmpty(small);
    }

    @Test
    void aMergeIntoAReadOnlyFileSystemFailsClearly() throws Exception {
        Path readOnly = mountTmpfs("size=1m,ro");
        CliRunner result = CliRunner.run("merge", llamaMerge().toString(), readOnly.resolve("merged").toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("Read-only file system"), result.err());
        assertEmpty(readOnly);
    }

    private Path mountTmpfs(String options) throws Exception {
        Path point = Files.createDirectories(temp.resolve("mnt"));
        boolean ok = System.getProperty("os.name").startsWith("Linux")
                && run("mount", "-t", "tmpfs", "-o", options, "tmpfs", point.toString());
        assumeTrue(ok, "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); StorageFailuresTest covers this");
        mounted = point;
        return point;
    }

    private static boolean run(String... command) throws Exception {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException notThere) {
            return false;
        }
    }

    private static void assertEmpty(Path directory) throws IOException {
        try (Stream<Path> left = Files.list(directory)) {
            assertEquals(List.of(), left.toList(), "nothing left behind");
        }
    }

    private Path llamaMerge() throws IOException {
        Path tiny = amalgam.testing.Fixtures.mergeTiny();
        return Files.writeString(temp.resolve("merge.yml"), "merge_method: task_arithmetic\nbase_model: "
                + tiny.resolve("llama/base") + "\nmodels:\n  - model: " + tiny.resolve("llama/math")
                + "\n    parameters:\n      weight: 0.5\n  - model: " + tiny.resolve("llama/code")
                + "\n    parameters:\n      weight: 0.5\ndtype: float32\n");
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.MappedInputs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input that changes while amalgam has it mapped: truncated (the next read of a lost page is a SIGBUS, an
 * InternalError in Java), replaced by a rename, or written in place. Every command must stop with exit 2 naming the
 * file, without a stack trace and without output, and never publish a provenance whose digests describe bytes it
 * did not read. The merges find a truncation before reading a tensor (a SIGBUS in C2-compiled vector code would
 * crash the JVM); {@code inspect} reads the header of a file truncated to nothing, so it takes the fault itself.
 */
class InputChangesCliTest {
    @TempDir
    Path temp;

    @Test
    void mergeOfAnInputTruncatedWhileMappedFailsNamingIt() throws Exception {
        Path config = llamaMerge();
        Path victim = temp.resolve("math/model.safetensors");
        Path out = temp.resolve("merged");
        CliRunner result = whenMapped(victim, InputChangesCliTest::truncateAfterHeader,
                () -> CliRunner.run("merge", config.toString(), out.toString()));
        assertChangedInputReported(result, victim, out);
    }

    @Test
    void runOfAnInputTruncatedWhileMappedFailsNamingIt() throws Exception {
        Path pool = clipPool();
        Path victim = temp.resolve("sun397/model.safetensors");
        Path out = temp.resolve("fused");
        CliRunner result = whenMapped(victim, InputChangesCliTest::truncateAfterHeader,
                () -> CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                        "merged_model_save_path=" + out));
        assertChangedInputReported(result, victim, out);
    }

    @Test
    void inspectOfAFileTruncatedWhileMappedFailsNamingIt() throws Exception {
        Path victim = copyModel("llama/base", "base").resolve("model.safetensors");
        CliRunner result = whenMapped(victim, file -> truncate(file, 0), () -> CliRunner.run("inspect", victim.toString()));
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("input file '" + victim + "' changed while it was read"), result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace: " + result.err());
    }

    @Test
    void mergeOfAnInputReplacedDuringTheMergeFailsInsteadOfRecordingAnotherDigest() throws Exception {
        Path config = llamaMerge();
        Path victim = temp.resolve("code/model.safetensors");
        Path out = temp.resolve("merged");
        CliRunner result = whenMapped(victim, InputChangesCliTest::replaceWithEditedCopy,
                () -> CliRunner.run("merge", config.toString(), out.toString()));
        assertChangedInputReported(result, victim, out);
    }

    @Test
    void runOfAnInputWrittenInPlaceDuringTheMergeFails() throws Exception {
        Path pool = clipPool();
        Path victim = temp.resolve("svhn/model.safetensors");
        Path out = temp.resolve("fused");
        CliRunner result = whenMapped(victim, InputChangesCliTest::overwriteLastByte,
                () -> CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                        "merged_model_save_path=" + out));
        assertChangedInputReported(result, victim, out);
    }

    private static void assertChangedInputReported(CliRunner result, Path victim, Path out) throws IOException {
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("input file '" + victim + "' changed while it was read"), result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace: " + result.err());
        assertFalse(result.err().contains("internal error"), result.err());
        assertFalse(Files.exists(out), "no output");
        try (Stream<Path> left = Files.list(out.getParent())) {
            List<Path> staging = left.filter(path -> path.getFileName().toString().startsWith("." + out.getFileName())).toList();
            assertEquals(List.of(), staging, "staging removed");
        }
    }

    /** Runs {@code command} with {@code change} applied to {@code victim} right after it is first mapped. */
    private static CliRunner whenMapped(Path victim, Consumer<Path> change, java.util.function.Supplier<CliRunner> command)
            throws Exception {
        boolean[] done = {false};
        try (AutoCloseable hook = MappedInputs.afterMapping(path -> {
            if (!done[0] && path.toAbsolutePath().normalize().equals(victim.toAbsolutePath().normalize())) {
                done[0] = true;
                change.accept(path);
            }
        })) {
            CliRunner result = command.get();
            assertTrue(done[0], "the input was mapped and changed");
            return result;
        }
    }

    /** Keeps the header (so the file still opens) and drops every tensor's pages. */
    private static void truncateAfterHeader(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(length, 0);
            channel.truncate(8 + length.flip().getLong());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void truncate(Path file, long size) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new file of the same size with one byte changed, renamed over the input (as a download tool finishes). */
    private static void replaceWithEditedCopy(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length - 1] ^= 1;
            Path next = file.resolveSibling(file.getFileName() + ".incomplete");
            Files.write(next, bytes);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void overwriteLastByte(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            channel.read(last, channel.size() - 1);
            last.put(0, (byte) (last.get(0) ^ 1));
            channel.write(last.rewind(), channel.size() - 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path llamaMerge() throws IOException {
        Path base = copyModel("llama/base", "base");
        Path math = copyModel("llama/math", "math");
        Path code = copyModel("llama/code", "code");
        return Files.writeString(temp.resolve("merge.yml"), "merge_method: task_arithmetic\nbase_model: " + base
                + "\nmodels:\n  - model: " + math + "\n    parameters:\n      weight: 0.5\n  - model: " + code
                + "\n    parameters:\n      weight: 0.5\ndtype: float32\n");
    }

    private Path clipPool() throws IOException {
        Path pretrained = copyModel("clip/pretrained", "pretrained");
        Path sun397 = copyModel("clip/sun397", "sun397");
        Path svhn = copyModel("clip/svhn", "svhn");
        return Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + pretrained + "\n  sun397: " + sun397
                + "\n  svhn: " + svhn + "\n");
    }

    /** A writable copy of a fixture model (the fixtures are read-only and shared). */
    private Path copyModel(String fixture, String name) throws IOException {
        Path source = amalgam.testing.Fixtures.mergeTiny().resolve(fixture);
        Path target = Files.createDirectories(temp.resolve(name));
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.write(target.resolve(file.getFileName()), Files.readAllBytes(file));
            }
        }
        return target;
    }
}

package amalgam.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, an exhausted quota or a read-only file system, met while a checkpoint is written (through a channel
 * that fails as such a disk does, so this runs anywhere) or found before (the free-space check), is reported as the
 * user's problem with the path and the bytes needed, and no temporary file is left behind.
 */
class StorageFailuresTest {
    private static final List<TensorEntry> ENTRIES = List.of(new TensorEntry("w", DType.F32, Shape.of(64, 64)));
    private static final long FILE_BYTES = SafetensorsWriter.fileBytes(HeaderJson.encode(ENTRIES, SafetensorsWriter.NO_METADATA), ENTRIES);

    @TempDir
    Path temp;

    @Test
    void aDiskThatFillsUpWhileATensorIsWrittenIsReportedWithTheBytesStillNeeded() {
        Path target = temp.resolve("model.safetensors");
        UserInputException failure = assertThrows(UserInputException.class, () -> writeOneTensor(target,
                file -> FailingChannel.fullAfter(file, 1000, "No space left on device")));
        long written = 1000;
        assertEquals("no space left on device at '" + target + "', " + (FILE_BYTES - written)
                + " bytes needed; free some space or write the output elsewhere", failure.getMessage());
        assertNothingLeft();
    }

    @Test
    void aDiskThatIsFullBeforeTheHeaderIsReportedWithTheWholeFile() {
        Path target = temp.resolve("model.safetensors");
        UserInputException failure = assertThrows(UserInputException.class, () -> writeOneTensor(target,
                file -> FailingChannel.fullAfter(file, 0, "No space left on device")));
        assertTrue(failure.getMessage().startsWith("no space left on device at '" + target + "', " + FILE_BYTES + " bytes needed"),
                failure.getMessage());
        assertNothingLeft();
    }

    @Test
    void aDiskFullOnlyWhenForcedIsReportedAtCommit() {
        Path target = temp.resolve("model.safetensors");
        UserInputException failure = assertThrows(UserInputException.class, () -> writeOneTensor(target,
                file -> FailingChannel.failingForce(file, "No space left on device")));
        assertTrue(failure.getMessage().startsWith("no space left on device at '" + target + "'"), failure.getMessage());
        assertNothingLeft();
    }

    @Test
    void quotaAndReadOnlyFileSystemsAreNamed() {
        Path target = temp.resolve("model.safetensors");
        UserInputException quota = assertThrows(UserInputException.class, () -> writeOneTensor(target,
                file -> FailingChannel.fullAfter(file, 100, "Disk quota exceeded")));
        assertTrue(quota.getMessage().startsWith("disk quota exceeded at '" + target + "'"), quota.getMessage());
        UserInputException readOnly = assertThrows(UserInputException.class, () -> writeOneTensor(target,
                file -> FailingChannel.fullAfter(file, 0, "Read-only file system")));
        assertTrue(readOnly.getMessage().startsWith("cannot write '" + target + "': read-only file system"), readOnly.getMessage());
        assertNothingLeft();
    }

    @Test
    void otherWriteFailuresStayInternalErrors() {
        Path target = temp.resolve("model.safetensors");
        assertThrows(UncheckedIOException.class, () -> writeOneTensor(target,
                file -> FailingChannel.fullAfter(file, 100, "Input/output error")));
        assertNothingLeft();
    }

    @Test
    void theFreeSpaceCheckNamesTheDirectoryAndTheBytes() {
        UserInputException failure = assertThrows(UserInputException.class,
                () -> StorageFailures.requireSpace(temp, 5000, 1 << 20, 4000));
        assertEquals("no space left on device at '" + temp + "', 5000 bytes needed (4000 free there); free some space"
                + " or write the output elsewhere", failure.getMessage());
        assertDoesNotThrow(() -> StorageFailures.requireSpace(temp, 5000, 1 << 20, 5000));
        assertDoesNotThrow(() -> StorageFailures.requireSpace(temp, 5000, 0, 0), "a file system without sizes is not checked");
    }

    @Test
    void aFullDiskBehindAnyWrapperIsExplained() {
        var wrapped = new UncheckedIOException("cannot write /out/README.md", new IOException("No space left on device"));
        assertEquals("no space left on device (cannot write /out/README.md); free some space or write the output elsewhere",
                StorageFailures.explain(wrapped).orElseThrow().getMessage());
        assertTrue(StorageFailures.explain(new UncheckedIOException(new IOException("Input/output error"))).isEmpty());
    }

    private void writeOneTensor(Path target, SafetensorsWriter.ChannelOpener opener) {
        try (Arena arena = Arena.ofConfined();
             SafetensorsWriter writer = SafetensorsWriter.create(target, ENTRIES, SafetensorsWriter.NO_METADATA, Long.MAX_VALUE, opener)) {
            writer.write("w", Tensor.allocate(arena, DType.F32, Shape.of(64, 64)));
            writer.commit();
        }
    }

    private void assertNothingLeft() {
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of(), left.toList(), "no temporary file left");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

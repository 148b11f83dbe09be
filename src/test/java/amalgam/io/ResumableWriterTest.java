package amalgam.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resumable sharded writer goes on from its journal's last durable point and ends with the same bytes. */
class ResumableWriterTest {
    @TempDir
    Path temp;

    @Test
    void anAbandonedWriterIsResumedFromItsLastDurablePoint() throws Exception {
        System.setProperty("amalgam.syncAheadBytes", "1");
        try (Arena arena = Arena.ofConfined()) {
            List<TensorEntry> entries = new ArrayList<>();
            List<Tensor> tensors = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Tensor tensor = Tensor.allocate(arena, DType.F32, Shape.of(100 + i));
                for (int j = 0; j < tensor.shape().elementCount(); j++) {
                    tensor.setFloat(j, i * 1000 + j);
                }
                tensors.add(tensor);
                entries.add(new TensorEntry("t" + i, DType.F32, tensor.shape()));
            }
            SequencedMap<String, String> metadata = new LinkedHashMap<>();
            metadata.put("format", "pt");
            Path whole = Files.createDirectories(temp.resolve("whole"));
            writeAll(ShardedCheckpointWriter.resumable(whole, entries, 1500, metadata), entries, tensors, 0);

            Path interrupted = Files.createDirectories(temp.resolve("interrupted"));
            ShardedCheckpointWriter first = ShardedCheckpointWriter.resumable(interrupted, entries, 1500, metadata);
            for (int i = 0; i < 7; i++) {
                first.write(entries.get(i).name(), tensors.get(i));
            }
            Thread.sleep(200); // the background forces of the written tensors complete and are journaled
            // abandoned, as by a kill: never committed nor closed
            ShardedCheckpointWriter second = ShardedCheckpointWriter.resumable(interrupted, entries, 1500, metadata);
            int resumed = second.resumedTensors();
            assertTrue(resumed > 0 && resumed <= 7, "resumed after " + resumed + " tensors");
            writeAll(second, entries, tensors, resumed);
            assertEquals(files(whole), files(interrupted));
            for (String name : files(whole)) {
                assertArrayEquals(Files.readAllBytes(whole.resolve(name)), Files.readAllBytes(interrupted.resolve(name)), name);
            }

            // another plan (other metadata) in the same folder starts again from nothing
            metadata.put("amalgam.seed", "2");
            assertEquals(0, ShardedCheckpointWriter.resumable(whole, entries, 1500, metadata).resumedTensors());
        } finally {
            System.clearProperty("amalgam.syncAheadBytes");
        }
    }

    private static void writeAll(ShardedCheckpointWriter writer, List<TensorEntry> entries, List<Tensor> tensors, int from) {
        try (writer) {
            for (int i = from; i < entries.size(); i++) {
                writer.write(entries.get(i).name(), tensors.get(i));
            }
            writer.commit();
        }
    }

    private static List<String> files(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(path -> path.getFileName().toString()).filter(name -> !name.equals(ResumeJournal.FILE_NAME)).sorted().toList();
        }
    }
}

package amalgam.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Write then read gives the same bytes: every dtype, sharded or not, through every way of naming a model. */
class RoundTripTest {
    @TempDir
    Path temp;

    private static List<TensorEntry> entries() {
        List<TensorEntry> entries = new ArrayList<>();
        int i = 0;
        for (DType dtype : DType.values()) {
            entries.add(new TensorEntry("t" + (i++) + "." + dtype, dtype, Shape.of(3, 5)));
        }
        entries.add(new TensorEntry("scalar", DType.F32, Shape.of()));
        entries.add(new TensorEntry("empty", DType.BF16, Shape.of(0, 7)));
        entries.add(new TensorEntry("big", DType.F32, Shape.of(1000)));
        return entries;
    }

    private static Map<String, Tensor> randomTensors(Arena arena, List<TensorEntry> entries) {
        Random random = new Random(42);
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
        for (TensorEntry entry : entries) {
            Tensor tensor = Tensor.allocate(arena, entry.dtype(), entry.shape());
            byte[] bytes = new byte[(int) entry.byteSize()];
            random.nextBytes(bytes);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, tensor.data(), 0, bytes.length);
            tensors.put(entry.name(), tensor);
        }
        return tensors;
    }

    private static void assertSameTensors(Map<String, Tensor> expected, Checkpoint actual) {
        assertEquals(expected.keySet().stream().sorted().toList(), actual.tensors().stream().map(TensorInfo::name).toList());
        for (var entry : expected.entrySet()) {
            Tensor read = actual.tensor(entry.getKey());
            assertEquals(entry.getValue().dtype(), read.dtype(), entry.getKey());
            assertEquals(entry.getValue().shape(), read.shape(), entry.getKey());
            assertArrayEquals(entry.getValue().data().toArray(ValueLayout.JAVA_BYTE), read.data().toArray(ValueLayout.JAVA_BYTE), entry.getKey());
        }
    }

    @Test
    void singleFileRoundTripsEveryDtypeWithMetadataAndPaddedHeader() throws Exception {
        List<TensorEntry> entries = entries();
        Path file = temp.resolve("model.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = randomTensors(arena, entries);
            try (SafetensorsWriter writer = SafetensorsWriter.create(file, entries, new java.util.LinkedHashMap<>(Map.of("format", "pt", "note", "ünïcode")))) {
                tensors.forEach(writer::write);
                writer.commit();
            }
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLength % 8, "header padded to 8 bytes");
            String header = new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{\"__metadata__\""), header);
            assertTrue(header.substring(header.lastIndexOf('}') + 1).isBlank(), "padding is spaces");
            for (Path reference : List.of(file, temp)) {
                try (Checkpoint checkpoint = Checkpoint.open(reference)) {
                    assertSameTensors(tensors, checkpoint);
                    assertEquals("ünïcode", checkpoint.metadata().get("note"));
                }
            }
        }
    }

    /** Metadata keys are written in the caller's order, through the sharded writer too (a hash order differs per JVM). */
    @Test
    void metadataKeepsTheCallersOrder() throws Exception {
        java.util.SequencedMap<String, String> metadata = new java.util.LinkedHashMap<>();
        List<String> keys = List.of("zeta", "format", "amalgam.seed", "b", "amalgam.inputs", "y", "a", "amalgam.method", "k", "c");
        keys.forEach(key -> metadata.put(key, key.toUpperCase()));
        try (ShardedCheckpointWriter writer = ShardedCheckpointWriter.create(temp, List.of(), Long.MAX_VALUE, metadata)) {
            writer.commit();
        }
        byte[] bytes = Files.readAllBytes(temp.resolve("model.safetensors"));
        String header = new String(bytes, 8, bytes.length - 8, java.nio.charset.StandardCharsets.UTF_8);
        int last = -1;
        for (String key : keys) {
            int at = header.indexOf("\"" + key + "\"");
            assertTrue(at > last, key + " out of order in " + header);
            last = at;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 60, 64, 100, 4000, Long.MAX_VALUE})
    void shardedRoundTripEqualsUnsharded(long maxShardBytes) throws Exception {
        List<TensorEntry> entries = entries();
        Path directory = Files.createDirectories(temp.resolve("sharded"));
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = randomTensors(arena, entries);
            try (ShardedCheckpointWriter writer = ShardedCheckpointWriter.create(directory, entries, maxShardBytes, SafetensorsWriter.NO_METADATA)) {
                tensors.forEach(writer::write);
                writer.commit();
            }
            boolean sharded = Files.exists(directory.resolve(ShardIndex.FILE_NAME));
            assertEquals(maxShardBytes < entries.stream().mapToLong(TensorEntry::byteSize).sum(), sharded);
            if (sharded) {
                JsonNode index = new ObjectMapper().readTree(directory.resolve(ShardIndex.FILE_NAME).toFile());
                assertEquals(entries.stream().mapToLong(TensorEntry::byteSize).sum(), index.get("metadata").get("total_size").asLong());
                List<String> names = new ArrayList<>();
                index.get("weight_map").fieldNames().forEachRemaining(names::add);
                assertEquals(names.stream().sorted().toList(), names);
                for (Path reference : List.of(directory, directory.resolve(ShardIndex.FILE_NAME))) {
                    try (Checkpoint checkpoint = Checkpoint.open(reference)) {
                        assertSameTensors(tensors, checkpoint);
                    }
                }
            } else {
                try (Checkpoint checkpoint = Checkpoint.open(directory)) {
                    assertSameTensors(tensors, checkpoint);
                }
            }
        }
    }

    @Test
    void huggingFaceCacheLayoutWithSymlinksAndWithLinkStandIns() throws Exception {
        List<TensorEntry> entries = entries();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = randomTensors(arena, entries);
            Path blob = temp.resolve("blob.safetensors");
            try (SafetensorsWriter writer = SafetensorsWriter.create(blob, entries, SafetensorsWriter.NO_METADATA)) {
                tensors.forEach(writer::write);
                writer.commit();
            }
            for (boolean symlinks : new boolean[] {true, false}) {
                Path repo = temp.resolve("models--org--model-" + symlinks);
                String revision = "0123456789abcdef0123456789abcdef01234567";
                String hash = "ab".repeat(32);
                Files.createDirectories(repo.resolve("refs"));
                Files.writeString(repo.resolve("refs/main"), revision + "\n");
                Files.createDirectories(repo.resolve("blobs"));
                Files.copy(blob, repo.resolve("blobs").resolve(hash));
                Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(revision));
                if (symlinks) {
                    Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../../blobs/" + hash));
                } else {
                    Files.writeString(snapshot.resolve("model.safetensors"), "../../blobs/" + hash);
                }
                try (Checkpoint checkpoint = Checkpoint.open(repo)) {
                    assertSameTensors(tensors, checkpoint);
                    assertEquals(snapshot, checkpoint.directory());
                }
            }
        }
    }

    @Test
    void anUncommittedWriterLeavesNothing() throws Exception {
        Path directory = Files.createDirectories(temp.resolve("uncommitted"));
        List<TensorEntry> entries = List.of(new TensorEntry("a", DType.F32, Shape.of(2)), new TensorEntry("b", DType.F32, Shape.of(2)));
        try (Arena arena = Arena.ofConfined()) {
            try (SafetensorsWriter writer = SafetensorsWriter.create(directory.resolve("m.safetensors"), entries, SafetensorsWriter.NO_METADATA)) {
                writer.write("a", Tensor.allocate(arena, DType.F32, Shape.of(2)));
                assertThrows(IllegalStateException.class, writer::commit);
                assertThrows(IllegalStateException.class, () -> writer.write("a", Tensor.allocate(arena, DType.F32, Shape.of(2))));
                assertThrows(IllegalStateException.class, () -> writer.write("b", Tensor.allocate(arena, DType.F16, Shape.of(2))));
            }
        }
        try (Stream<Path> left = Files.list(directory)) {
            assertFalse(left.findAny().isPresent(), "temporary file left behind");
        }
    }

    @Test
    void forcingAheadInTheBackgroundKeepsTheBytesAndAnAbandonedFileLeavesNothing() throws Exception {
        List<TensorEntry> entries = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            entries.add(new TensorEntry("layer" + t, DType.F32, Shape.of(64, 256)));
        }
        Path committed = temp.resolve("ahead/m.safetensors");
        Path abandoned = temp.resolve("abandoned/m.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = randomTensors(arena, entries);
            // a 64 KiB tensor each and a force started every 100 KiB: several background forces overlap the writes
            try (SafetensorsWriter writer = SafetensorsWriter.create(committed, entries, SafetensorsWriter.NO_METADATA, 100 << 10)) {
                tensors.forEach(writer::write);
                writer.commit();
            }
            try (Checkpoint read = Checkpoint.open(committed)) {
                assertSameTensors(tensors, read);
            }
            try (SafetensorsWriter writer = SafetensorsWriter.create(abandoned, entries, SafetensorsWriter.NO_METADATA, 100 << 10)) {
                entries.subList(0, 7).forEach(entry -> writer.write(entry.name(), tensors.get(entry.name())));
            }
        }
        try (Stream<Path> left = Files.list(abandoned.getParent())) {
            assertFalse(left.findAny().isPresent(), "temporary file left behind");
        }
    }

    @Test
    void shardedFixtureEqualsSingleFileFixtureAndCacheEntryEqualsItsModel() {
        Path fixtures = Fixtures.mergeTiny();
        try (Checkpoint whole = Checkpoint.open(fixtures.resolve("clip/pretrained"));
             Checkpoint sharded = Checkpoint.open(fixtures.resolve("clip/pretrained_sharded"));
             Checkpoint bf16 = Checkpoint.open(fixtures.resolve("clip/sun397_bf16"));
             Checkpoint cached = Checkpoint.open(fixtures.resolve("hfcache/models--fixture--llama-code"));
             Checkpoint code = Checkpoint.open(fixtures.resolve("llama/code"))) {
            assertTrue(sharded.files().size() > 1);
            for (TensorInfo info : whole.tensors()) {
                assertArrayEquals(whole.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE),
                        sharded.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE), info.name());
            }
            assertTrue(bf16.tensors().stream().allMatch(info -> info.dtype() == DType.BF16));
            for (TensorInfo info : code.tensors()) {
                assertArrayEquals(code.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE),
                        cached.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE), info.name());
            }
        }
    }
}

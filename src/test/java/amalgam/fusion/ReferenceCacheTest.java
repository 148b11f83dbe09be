package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.taskpool.TaskMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cached reference results round-trip exactly, are keyed by both model and task, and damaged entries are misses. */
class ReferenceCacheTest {
    @TempDir
    Path temp;

    @Test
    void roundTripsAndKeysByModelAndTask() throws Exception {
        ReferenceCache cache = new ReferenceCache(temp.resolve("reference"));
        assertEquals(Optional.empty(), cache.find("sha256:aa", "task one"));
        TaskMetrics metrics = new TaskMetrics(0.8125, 0.123456789012345);
        cache.put("sha256:aa", "task one", metrics);
        assertEquals(Optional.of(metrics), cache.find("sha256:aa", "task one"));
        assertEquals(Optional.empty(), cache.find("sha256:bb", "task one"));
        assertEquals(Optional.empty(), cache.find("sha256:aa", "task two"));
        try (Stream<Path> entries = Files.list(temp.resolve("reference"))) {
            Path entry = entries.findFirst().orElseThrow();
            Files.writeString(entry, "{not json");
        }
        assertEquals(Optional.empty(), cache.find("sha256:aa", "task one"));
    }

    @Test
    void anUnwritableCacheOnlyCostsAReevaluation() throws Exception {
        Path file = Files.writeString(temp.resolve("blocker"), "a file where the cache folder should be");
        ReferenceCache cache = new ReferenceCache(file.resolve("reference"));
        cache.put("m", "t", new TaskMetrics(1, 0));
        assertTrue(cache.find("m", "t").isEmpty());
    }
}

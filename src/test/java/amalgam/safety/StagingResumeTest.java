package amalgam.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.OutputDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that fails after durable work may keep its staging folder for the next run with the same key (as a killed
 * run's is kept); without asking, a failed run's staging is removed; another key never resumes it.
 */
class StagingResumeTest {
    @TempDir
    Path temp;

    @Test
    void aKeptStagingIsResumedBySameKeyOnly() throws Exception {
        Path out = temp.resolve("zoo");
        Path staging;
        try (OutputDirectory first = OutputDirectory.claim(out)) {
            staging = first.stagingFor("key-1");
            Files.writeString(staging.resolve("pretrained.txt"), "half an hour");
            first.keepForResume();
        }
        assertTrue(Files.isRegularFile(staging.resolve("pretrained.txt")), "kept after an unpublished close");
        assertFalse(Files.exists(out), "nothing published");
        try (OutputDirectory second = OutputDirectory.claim(out)) {
            Path resumed = second.stagingFor("key-1");
            assertEquals(staging, resumed);
            assertEquals("half an hour", Files.readString(resumed.resolve("pretrained.txt")));
        }
        assertFalse(Files.exists(staging), "not kept this time: removed on close");
    }

    @Test
    void anotherKeyStartsAfreshAndRemovesTheKeptStaging() throws Exception {
        Path out = temp.resolve("zoo");
        Path staging;
        try (OutputDirectory first = OutputDirectory.claim(out)) {
            staging = first.stagingFor("key-1");
            first.keepForResume();
        }
        try (OutputDirectory second = OutputDirectory.claim(out)) {
            Path fresh = second.stagingFor("key-2");
            assertFalse(fresh.equals(staging));
            assertFalse(Files.exists(staging));
        }
    }
}

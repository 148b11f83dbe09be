package amalgam.fuzz;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two runs every fuzz target gets: its corpus replayed, then its share of the mutation budget. */
abstract class FuzzTargetTest {
    abstract FuzzTarget target();

    @Test
    void corpus(@TempDir Path temp) throws Exception {
        try (FuzzHarness harness = new FuzzHarness(target(), temp)) {
            harness.replayCorpus();
        }
    }

    @Test
    void mutations(@TempDir Path temp) throws Exception {
        try (FuzzHarness harness = new FuzzHarness(target(), temp)) {
            harness.fuzz();
        }
    }
}

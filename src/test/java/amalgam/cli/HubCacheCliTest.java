package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hub repo ids resolve to the local Hugging Face cache (the fixture cache holds {@code fixture/llama-code}), in
 * both dialects, at refs/main or at a given revision; an uncached repo is a clear error.
 */
class HubCacheCliTest {
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path temp;
    private Path tiny;
    private String previous;

    @BeforeEach
    void pointAtTheFixtureCache() {
        tiny = Fixtures.mergeTiny();
        previous = System.setProperty("amalgam.hub.cache", tiny.resolve("hfcache").toString());
    }

    @AfterEach
    void restore() {
        if (previous == null) {
            System.clearProperty("amalgam.hub.cache");
        } else {
            System.setProperty("amalgam.hub.cache", previous);
        }
    }

    @Test
    void mergekitRepoIdsAtMainAndAtARevision() throws IOException {
        Map<String, float[]> local = merge("local", tiny.resolve("hfcache/models--fixture--llama-code/snapshots/" + COMMIT).toString());
        for (String reference : new String[] {"fixture/llama-code", "fixture/llama-code@" + COMMIT, "fixture/llama-code@main"}) {
            Map<String, float[]> viaHub = merge("hub" + reference.length(), reference);
            local.forEach((name, values) -> assertArrayEquals(values, viaHub.get(name), reference + ": " + name));
        }
        String card = Files.readString(temp.resolve("out-hub" + "fixture/llama-code".length()).resolve("README.md"));
        assertTrue(card.startsWith("---\nbase_model:\n- fixture/llama-code\nlibrary_name: transformers\n"), card);
        CliRunner badRevision = CliRunner.run("merge", config("bad", "fixture/llama-code@v9").toString(), temp.resolve("bad").toString());
        assertEquals(2, badRevision.exitCode());
        assertTrue(badRevision.err().contains("revision 'v9'"), badRevision.err());
        CliRunner uncached = CliRunner.run("merge", config("missing", "org/missing").toString(), temp.resolve("missing").toString());
        assertEquals(2, uncached.exitCode());
        assertTrue(uncached.err().contains("does not download"), uncached.err());
    }

    @Test
    void inspectTakesARepoId() {
        CliRunner result = CliRunner.run("inspect", "fixture/llama-code@" + COMMIT, "--json");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("\"num_tensors\""), result.out());
        assertEquals(2, CliRunner.run("inspect", "fixture/not-cached").exitCode());
    }

    @Test
    void fusionBenchPoolsNameHubRepos() throws IOException {
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + tiny.resolve("llama/base")
                + "\n  code: fixture/llama-code\n  math: " + tiny.resolve("llama/math") + "\n");
        CliRunner result = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + temp.resolve("fb"));
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(Files.readString(temp.resolve("fb/README.md")).contains("models--fixture--llama-code"));
    }

    private Map<String, float[]> merge(String name, String code) throws IOException {
        Path out = temp.resolve("out-" + name);
        CliRunner result = CliRunner.run("merge", config(name, code).toString(), out.toString());
        assertEquals(0, result.exitCode(), result.err());
        return TestCheckpoints.floats(out);
    }

    private Path config(String name, String code) throws IOException {
        return Files.writeString(temp.resolve(name + ".yml"), "merge_method: task_arithmetic\nbase_model: " + tiny.resolve("llama/base")
                + "\nmodels:\n  - model: " + code + "\n    parameters:\n      weight: 0.5\n  - model: " + tiny.resolve("llama/math")
                + "\n    parameters:\n      weight: 0.5\ndtype: float32\n");
    }
}

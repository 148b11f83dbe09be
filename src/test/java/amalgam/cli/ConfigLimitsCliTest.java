package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.SafetensorsFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config files are bounded before they are parsed (16 MiB; lines of 1 MiB, which SnakeYAML scans in time far beyond
 * their length), and the config text an output records is bounded (64 KiB, else its size and SHA-256), so a huge
 * config neither takes minutes nor produces a checkpoint whose header readers refuse.
 */
class ConfigLimitsCliTest {
    @TempDir
    Path temp;

    @Test
    void aMergeConfigOverSixteenMebibytesIsRefusedBeforeParsing() throws Exception {
        Path config = Files.writeString(temp.resolve("huge.yml"), llamaConfig() + comments(17 << 20));
        long start = System.nanoTime();
        CliRunner result = CliRunner.run("merge", config.toString(), temp.resolve("out").toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("merge config '" + config + "' is " + Files.size(config) + " bytes, more than the 16 MiB"),
                result.err());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "refused quickly");
        assertFalse(Files.exists(temp.resolve("out")));
    }

    @Test
    void aModelPoolOverSixteenMebibytesIsRefused() throws Exception {
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "models:\n  a: x\n" + comments(17 << 20));
        CliRunner result = CliRunner.run("run", "method=simple_average", "modelpool=" + pool, "taskpool=dummy");
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("model pool '" + pool + "' is "), result.err());
    }

    @Test
    void aYamlLineOverOneMebibyteIsRefusedQuickly() throws Exception {
        Path config = Files.writeString(temp.resolve("long.yml"), llamaConfig() + "name: \"" + "a".repeat(3 << 20) + "\"\n");
        long start = System.nanoTime();
        CliRunner result = CliRunner.run("merge", config.toString(), temp.resolve("out").toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("merge config '" + config + "'") && result.err().contains("characters long"), result.err());
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused quickly");
    }

    @Test
    void aLongConfigIsRecordedByItsDigestSoTheOutputStaysReadable() throws Exception {
        String text = llamaConfig() + comments(200 << 10);
        Path config = Files.writeString(temp.resolve("commented.yml"), text);
        Path out = temp.resolve("merged");
        CliRunner result = CliRunner.run("merge", config.toString(), out.toString());
        assertEquals(0, result.exitCode(), result.err());

        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        String recorded;
        try (SafetensorsFile model = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            recorded = new ObjectMapper().readTree(model.metadata().get("amalgam.parameters")).get("config").asText();
        }
        assertTrue(recorded.contains(text.getBytes(StandardCharsets.UTF_8).length + " bytes, sha256 " + sha256), recorded);
        assertTrue(recorded.length() < 1000, "not the text itself");
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains(sha256) && card.length() < 64 << 10, "the card records the digest, not the text");
        assertEquals(text, Files.readString(out.resolve("mergekit_config.yml")), "mergekit_config.yml stays verbatim");
        assertEquals(0, CliRunner.run("inspect", out.toString()).exitCode());
    }

    private static String comments(int bytes) {
        StringBuilder text = new StringBuilder(bytes + 100);
        String line = "# " + "c".repeat(77) + "\n";
        while (text.length() < bytes) {
            text.append(line);
        }
        return text.toString();
    }

    private static String llamaConfig() throws IOException {
        Path tiny = amalgam.testing.Fixtures.mergeTiny();
        return "merge_method: task_arithmetic\nbase_model: " + tiny.resolve("llama/base") + "\nmodels:\n  - model: "
                + tiny.resolve("llama/math") + "\n    parameters:\n      weight: 0.5\n  - model: " + tiny.resolve("llama/code")
                + "\n    parameters:\n      weight: 0.5\ndtype: float32\n";
    }
}

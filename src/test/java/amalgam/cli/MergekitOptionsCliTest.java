package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mergekit-yaml command lines run unchanged: its options are accepted, and those that change the output do. */
class MergekitOptionsCliTest {
    @TempDir
    Path temp;
    private Path llama;

    @BeforeEach
    void fixtures() {
        llama = Fixtures.mergeTiny().resolve("llama");
    }

    @Test
    void aTypicalMergekitCommandLineRuns() throws IOException {
        Path config = config(llama.resolve("code"));
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("merge", config.toString(), out.toString(), "--cuda", "--copy-tokenizer",
                "--allow-crimes", "--out-shard-size", "1B", "--lazy-unpickle", "--write-model-card", "--trust-remote-code",
                "-v", "--low-cpu-memory", "--clone-tensors", "--lora-merge-cache", temp.resolve("cache").toString(),
                "--random-seed", "3", "-j", "2", "--no-async-write", "--quiet");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.err().contains("--cuda ignored: amalgam computes on the CPU"), result.err());
        assertEquals(Files.readString(config), Files.readString(out.resolve("mergekit_config.yml")));
        assertTrue(Files.readString(out.resolve("README.md")).contains("\n# out\n"), "the card is titled by the output folder");
        assertTrue(Files.exists(out.resolve("tokenizer.json")));
    }

    @Test
    void withoutAModelCardNeitherCardFileIsWritten() throws IOException {
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("merge", config(llama.resolve("code")).toString(), out.toString(), "--no-write-model-card",
                "--no-copy-tokenizer");
        assertEquals(0, result.exitCode(), result.err());
        assertFalse(Files.exists(out.resolve("README.md")));
        assertFalse(Files.exists(out.resolve("mergekit_config.yml")));
        assertFalse(Files.exists(out.resolve("tokenizer.json")));
        assertTrue(Files.exists(out.resolve("model.safetensors")));
    }

    @Test
    void pickleOutputIsRefused() throws IOException {
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("merge", config(llama.resolve("code")).toString(), out.toString(), "--no-safe-serialization");
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("safetensors only"), result.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void allowCrimesMergesDifferentArchitecturesAsTheFirstModels() throws IOException {
        Path qwen = Files.createDirectories(temp.resolve("code-as-qwen2"));
        try (var files = Files.list(llama.resolve("code"))) {
            for (Path file : files.toList()) {
                Files.copy(file, qwen.resolve(file.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode modelConfig = (ObjectNode) json.readTree(qwen.resolve("config.json").toFile());
        ((ArrayNode) modelConfig.putArray("architectures")).add("Qwen2ForCausalLM");
        qwen.resolve("config.json").toFile().setWritable(true);
        Files.delete(qwen.resolve("config.json"));
        Files.writeString(qwen.resolve("config.json"), modelConfig.toString());

        Path config = config(qwen);
        CliRunner refused = CliRunner.run("merge", config.toString(), temp.resolve("refused").toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("--allow-crimes"), refused.err());

        Path crimes = temp.resolve("crimes");
        assertEquals(0, CliRunner.run("merge", config.toString(), crimes.toString(), "--allow-crimes").exitCode());
        Path honest = temp.resolve("honest");
        assertEquals(0, CliRunner.run("merge", config(llama.resolve("code")).toString(), honest.toString()).exitCode());
        Map<String, float[]> expected = TestCheckpoints.floats(honest);
        Map<String, float[]> actual = TestCheckpoints.floats(crimes);
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name), name));
    }

    @Test
    void negatableFlagsMeanWhatTheySay() {
        MergeCommand positive = new MergeCommand();
        new picocli.CommandLine(positive).parseArgs("c.yml", "out", "--progress", "--copy-tokenizer", "--write-model-card",
                "--safe-serialization", "--allow-crimes");
        assertTrue(positive.progress && positive.copyTokenizer && positive.mergekit.writeModelCard
                && positive.mergekit.safeSerialization && positive.mergekit.allowCrimes);
        MergeCommand negative = new MergeCommand();
        new picocli.CommandLine(negative).parseArgs("c.yml", "out", "--no-progress", "--no-copy-tokenizer",
                "--no-write-model-card", "--no-safe-serialization", "--no-allow-crimes");
        assertFalse(negative.progress || negative.copyTokenizer || negative.mergekit.writeModelCard
                || negative.mergekit.safeSerialization || negative.mergekit.allowCrimes);
        MergeCommand defaults = new MergeCommand();
        new picocli.CommandLine(defaults).parseArgs("c.yml", "out");
        assertTrue(defaults.progress && defaults.copyTokenizer && defaults.mergekit.writeModelCard
                && defaults.mergekit.safeSerialization);
        assertFalse(defaults.mergekit.allowCrimes);
    }

    private Path config(Path code) throws IOException {
        return Files.writeString(temp.resolve("merge-" + code.getFileName() + ".yml"), "merge_method: task_arithmetic\nbase_model: "
                + llama.resolve("base") + "\nmodels:\n  - model: " + llama.resolve("math") + "\n    parameters:\n      weight: 0.5\n"
                + "  - model: " + code + "\n    parameters:\n      weight: 0.5\ndtype: float32\n");
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.model.lm.TextGenerator;
import amalgam.testing.TinyLanguageModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amalgam generate}: the decoded continuation on stdout, the speed on stderr, bad models and options refused. */
class GenerateCliTest {
    @TempDir
    Path temp;

    @Test
    void theCommandStreamsTheDecodedContinuation() throws Exception {
        Path folder = TinyLanguageModels.withWordTokenizer(temp, "llama-gqa");
        CliRunner run = CliRunner.run("generate", folder.toString(), "--prompt", "w3 w17 w5", "--max-new-tokens", "4", "--threads", "1");
        assertEquals(0, run.exitCode(), run.err());
        long[] expected;
        try (TextGenerator generator = TextGenerator.open(folder, 1)) {
            expected = generator.generate(new long[] {3, 17, 5}, new TextGenerator.Settings(4, 0, 0), id -> { });
        }
        String words = java.util.Arrays.stream(expected).mapToObj(id -> "w" + id).collect(Collectors.joining(" "));
        assertEquals(words, run.out().strip());
        assertTrue(run.err().contains("3 prompt tokens, 4 generated"), run.err());

        CliRunner classifier = CliRunner.run("generate", TinyLanguageModels.withWordTokenizer(temp, "gpt2-classify").toString(), "--prompt", "w1");
        assertEquals(2, classifier.exitCode());
        assertTrue(classifier.err().contains("sequence classifier"), classifier.err());
        Files.delete(folder.resolve("tokenizer.json"));
        assertEquals(2, CliRunner.run("generate", folder.toString(), "--prompt", "w1").exitCode());
    }
    @Test
    void badOptionsAreRefused() throws Exception {
        Path folder = TinyLanguageModels.withWordTokenizer(temp, "qwen2-tied");
        CliRunner cold = CliRunner.run("generate", folder.toString(), "--prompt", "w1", "--temperature", "-1");
        assertEquals(2, cold.exitCode());
        assertTrue(cold.err().contains("--temperature"), cold.err());
        assertEquals(2, CliRunner.run("generate", folder.toString(), "--prompt", "w1", "--max-new-tokens", "0").exitCode());
        assertEquals(2, CliRunner.run("generate", temp.resolve("nothing").toString(), "--prompt", "w1").exitCode());
    }

    @Test
    void benchLmPrintsBothSpeedsAsJson() throws Exception {
        Path folder = TinyLanguageModels.withWordTokenizer(temp, "gpt2-lm");
        CliRunner bench = CliRunner.run("bench", "lm", folder.toString(), "--prompt-tokens", "6", "--new-tokens", "3", "--repetitions", "1",
                "--threads", "1");
        assertEquals(0, bench.exitCode(), bench.err());
        com.fasterxml.jackson.databind.JsonNode speed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bench.out());
        assertEquals(6, speed.get("prompt_tokens").asInt());
        assertTrue(speed.get("prompt_tokens_per_second").asDouble() > 0 && speed.get("decode_tokens_per_second").asDouble() > 0);
        // gpt2-lm has 16 positions: a longer sequence is refused
        assertEquals(2, CliRunner.run("bench", "lm", folder.toString(), "--prompt-tokens", "14", "--new-tokens", "8").exitCode());
    }
}

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
    void withChatThePromptIsAUserMessageInTheModelsTemplate() throws Exception {
        Path folder = TinyLanguageModels.withWordTokenizer(temp, "llama-gqa");
        // a word-level template: BOS w1, each message followed by w9, the assistant's turn opened by w7
        Files.writeString(folder.resolve("tokenizer_config.json"), """
                {"bos_token": "w1", "chat_template": "{{ bos_token }}{% for m in messages %} {{ m['content'] }} w9{% endfor %}\
                {% if add_generation_prompt %} w7{% endif %}"}
                """);
        CliRunner run = CliRunner.run("generate", folder.toString(), "--chat", "--system", "w5", "--prompt", "w3 w17",
                "--max-new-tokens", "3", "--threads", "1");
        assertEquals(0, run.exitCode(), run.err());
        long[] expected;
        try (TextGenerator generator = TextGenerator.open(folder, 1)) {
            expected = generator.generate(new long[] {1, 5, 9, 3, 17, 9, 7}, new TextGenerator.Settings(3, 0, 0), id -> { });
        }
        assertEquals(java.util.Arrays.stream(expected).mapToObj(id -> "w" + id).collect(Collectors.joining(" ")), run.out().strip());
        assertTrue(run.err().contains("7 prompt tokens"), run.err());

        CliRunner systemAlone = CliRunner.run("generate", folder.toString(), "--system", "w5", "--prompt", "w3");
        assertEquals(2, systemAlone.exitCode());
        assertTrue(systemAlone.err().contains("--chat"), systemAlone.err());
        Files.delete(folder.resolve("tokenizer_config.json"));
        CliRunner noTemplate = CliRunner.run("generate", folder.toString(), "--chat", "--prompt", "w3");
        assertEquals(2, noTemplate.exitCode());
        assertTrue(noTemplate.err().contains("no chat template"), noTemplate.err());
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

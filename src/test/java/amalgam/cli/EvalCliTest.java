package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.TinyLanguageModels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge of three tiny Llama models made with {@code amalgam merge}, checked with {@code amalgam eval} for perplexity
 * and multiple choice: the numbers are the same run after run, and bad task pools are refused with exit 2.
 */
class EvalCliTest {
    @TempDir
    Path temp;

    @Test
    void aMergeOfThreeLlamasIsEvaluatedReproducibly() throws Exception {
        Path config = Files.writeString(temp.resolve("merge.yml"), "merge_method: linear\nmodels:\n"
                + "  - model: " + TestCheckpoints.llama("chat") + "\n    parameters: {weight: 0.5}\n"
                + "  - model: " + TestCheckpoints.llama("code") + "\n    parameters: {weight: 0.3}\n"
                + "  - model: " + TestCheckpoints.llama("math") + "\n    parameters: {weight: 0.2}\n");
        Path merged = temp.resolve("merged");
        CliRunner merge = CliRunner.run("merge", config.toString(), merged.toString(), "--no-record");
        assertEquals(0, merge.exitCode(), merge.err());
        TinyLanguageModels.writeWordTokenizer(merged);
        Files.writeString(temp.resolve("text.txt"), "w3 w14 w15 w92 w65 w35 w89 w79 w32 w38 w46 w26 w43 w38 w32 w79");
        Files.writeString(temp.resolve("choice.jsonl"), """
                {"context": "w1 w2 w3", "choices": ["w4", "w50 w51", "w90"], "gold": 0}
                {"context": "w7", "choices": ["w8 w9", "w10"], "gold": 1}
                {"context": "", "choices": ["w11", "w12"], "gold": 0}
                """);
        Path tasks = Files.writeString(temp.resolve("tasks.yaml"), """
                tasks:
                  - {name: text, type: perplexity, files: [text.txt], max_length: 8, stride: 4}
                  - {name: choice, type: multiple_choice, file: choice.jsonl}
                """);
        Path report = temp.resolve("eval.json");
        CliRunner first = CliRunner.run("eval", merged.toString(), "--taskpool", tasks.toString(), "--json", "--report", report.toString());
        assertEquals(0, first.exitCode(), first.err());
        CliRunner second = CliRunner.run("eval", merged.toString(), "--taskpool", tasks.toString(), "--json", "--threads", "1");
        assertEquals(first.out(), second.out(), "the same numbers for any thread count");
        JsonNode results = new ObjectMapper().readTree(first.out());
        double perplexity = results.get("text").get("perplexity").asDouble();
        assertTrue(perplexity > 1 && perplexity < 1000, "a random 96-word model is near 96: " + perplexity);
        assertEquals(16, results.get("text").get("tokens").asInt());
        assertEquals(3, results.get("choice").get("items").asInt());
        double accuracy = results.get("choice").get("acc").asDouble();
        assertTrue(accuracy == 0 || accuracy == 1 / 3.0 || accuracy == 2 / 3.0 || accuracy == 1, "thirds: " + accuracy);
        assertEquals(results, new ObjectMapper().readTree(report.toFile()));
        CliRunner table = CliRunner.run("eval", merged.toString(), "--taskpool", tasks.toString());
        assertTrue(table.out().startsWith("task"), table.out());
        assertTrue(table.out().contains("perplexity") && table.out().contains("acc_norm"), table.out());
    }

    @Test
    void badTaskPoolsAndModelsAreRefused() throws Exception {
        Path model = TinyLanguageModels.withWordTokenizer(temp, "llama-gqa");
        Path tasks = Files.writeString(temp.resolve("tasks.yaml"), "tasks:\n  - {name: t, type: perplexity, files: [missing.txt]}\n");
        CliRunner missing = CliRunner.run("eval", model.toString(), "--taskpool", tasks.toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("missing.txt"), missing.err());
        Path unknown = Files.writeString(temp.resolve("unknown.yaml"), "tasks:\n  - {name: t, type: bleu}\n");
        assertEquals(2, CliRunner.run("eval", model.toString(), "--taskpool", unknown.toString()).exitCode());
        assertEquals(2, CliRunner.run("eval", temp.resolve("none").toString(), "--taskpool", tasks.toString()).exitCode());
        Path mine = Files.writeString(temp.resolve("mine.json"), "my notes");
        Files.writeString(temp.resolve("missing.txt"), "w1 w2 w3");
        CliRunner refused = CliRunner.run("eval", model.toString(), "--taskpool", tasks.toString(), "--report", mine.toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("refusing to overwrite"), refused.err());
        assertEquals("my notes", Files.readString(mine));
    }
}

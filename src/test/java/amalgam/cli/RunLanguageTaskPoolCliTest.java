package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.TinyLanguageModels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amalgam run} with a pool of causal LMs and a language task pool: the fused model is evaluated on it (the
 * tokenizer from the pool's pretrained model), with the same numbers {@code amalgam eval} gives for the saved model;
 * reference rows, {@code fast_dev_run} and the printed table work as for image task pools.
 */
class RunLanguageTaskPoolCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void aMergeOfCausalLmsIsEvaluatedOnALanguageTaskPool() throws Exception {
        Path base = Files.createDirectories(temp.resolve("base"));
        try (var files = Files.list(TestCheckpoints.llama("base"))) {
            for (Path file : files.toList()) {
                Files.copy(file, base.resolve(file.getFileName()));
            }
        }
        TinyLanguageModels.writeWordTokenizer(base);
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "_target_: fusion_bench.modelpool.CausalLMPool\nmodels:\n"
                + "  _pretrained_: " + base + "\n  math: " + TestCheckpoints.llama("math") + "\n  code: " + TestCheckpoints.llama("code") + "\n");
        Files.writeString(temp.resolve("text.txt"), "w3 w14 w15 w92 w65 w35 w89 w79 w32 w38 w46 w26 w43 w38 w32 w79");
        Files.writeString(temp.resolve("choice.jsonl"), """
                {"context": "w1 w2 w3", "choices": ["w4", "w50 w51", "w90"], "gold": 0}
                {"context": "w7", "choices": ["w8 w9", "w10"], "gold": 1}
                {"context": "w5 w6", "choices": ["w11", "w12"], "gold": 0}
                """);
        Path tasks = Files.writeString(temp.resolve("tasks.yaml"), """
                tasks:
                  - {name: text, type: perplexity, files: [text.txt], max_length: 8, stride: 4}
                  - {name: choice, type: multiple_choice, file: choice.jsonl}
                """);
        Path merged = temp.resolve("merged");
        Path report = temp.resolve("report.json");
        CliRunner run = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=" + tasks,
                "merged_model_save_path=" + merged, "report_save_path=" + report, "reference=true", "--no-record");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode results = JSON.readTree(report.toFile());
        double perplexity = results.at("/text/perplexity").asDouble();
        assertTrue(perplexity > 1 && perplexity < 1000, "a random 96-word model is near 96: " + perplexity);
        assertEquals(Math.log(perplexity), results.at("/text/loss").asDouble(), 1e-9, "the loss is the mean NLL");
        assertFalse(results.get("text").has("accuracy"), "perplexity has no accuracy");
        assertEquals(results.at("/choice/acc").asDouble(), results.at("/choice/accuracy").asDouble());
        assertEquals(results.at("/choice/accuracy").asDouble(), results.at("/average/accuracy").asDouble(), "the average is over tasks with an accuracy");
        assertTrue(results.at("/reference/pretrained/text/perplexity").isNumber(), results.toString());
        assertTrue(run.out().contains("ppl "), run.out());

        // the saved model, with the pretrained model's tokenizer, gives the same numbers under amalgam eval
        TinyLanguageModels.writeWordTokenizer(merged);
        CliRunner eval = CliRunner.run("eval", merged.toString(), "--taskpool", tasks.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode evaluated = JSON.readTree(eval.out());
        assertEquals(evaluated.at("/text/perplexity").asDouble(), perplexity);
        assertEquals(evaluated.at("/choice/acc_norm").asDouble(), results.at("/choice/acc_norm").asDouble());

        // the run record keeps the perplexity task too: no accuracy, its mean negative log-likelihood as the loss
        Path records = temp.resolve("records");
        CliRunner recorded = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=" + tasks, "--records=" + records);
        assertEquals(0, recorded.exitCode(), recorded.err());
        JsonNode record = JSON.readTree(CliRunner.run("runs", "show", "1", "--json", "--records=" + records).out());
        boolean found = false;
        for (JsonNode score : record.get("scores")) {
            if (score.get("task").asText().equals("text")) {
                assertTrue(score.get("accuracy").isNull(), score.toString());
                assertEquals(Math.log(perplexity), score.get("loss").asDouble(), 1e-9, score.toString());
                found = true;
            }
        }
        assertTrue(found, record.toString());

        CliRunner quick = CliRunner.run("run", "method=simple_average", "modelpool=" + pool, "taskpool=" + tasks, "fast_dev_run=true",
                "--no-record");
        assertEquals(0, quick.exitCode(), quick.err());
        assertTrue(quick.out().contains("choice"), quick.out());
    }

    @Test
    void anEnsembleIsNotEvaluatedOnALanguageTaskPool() throws Exception {
        Path base = TinyLanguageModels.withWordTokenizer(temp, "llama-gqa");
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + base + "\n  other: " + base + "\n");
        Files.writeString(temp.resolve("text.txt"), "w3 w14 w15 w92");
        Path tasks = Files.writeString(temp.resolve("tasks.yaml"), "tasks:\n  - {name: text, type: perplexity, files: [text.txt]}\n");
        CliRunner run = CliRunner.run("run", "method=simple_ensemble", "modelpool=" + pool, "taskpool=" + tasks, "--no-record");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("taskpool=dummy"), run.err());
    }
}

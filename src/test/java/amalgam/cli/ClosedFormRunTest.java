package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `run` with the closed-form data-dependent methods on a tiny pool whose task pool has train and test folders:
 * every method runs with its defaults and with method.* overrides; bad values, unknown parameters, a run without a
 * task pool and a task without a train split are bad input (exit 2) with messages that say what to change.
 */
class ClosedFormRunTest {
    @TempDir
    static Path root;

    @BeforeAll
    static void pools() {
        TinyTrainPools.write(root, 16);
    }

    @Test
    void everyMethodRunsWithDefaultsAndOverrides() throws Exception {
        List<List<String>> runs = List.of(
                List.of("method=fisher_merging/clip_fisher_merging"),
                List.of("method=clip_fisher_merging", "method.normalize_fisher_weight=false", "method.dataloader_kwargs.batch_size=5"),
                List.of("method=regmean/clip_regmean"),
                List.of("method=clip_regmean", "method.reduce_non_diagonal_ratio=0.5", "method.num_regmean_examples=8"),
                List.of("method=regmean_plusplus/clip_regmean_plusplus", "method.exclude_param_names_regex=[mlp.fc2]"),
                List.of("method=trust_region/clip_task_arithmetic"),
                List.of("method=trust_region/clip_task_arithmetic", "method.zero_shot=true", "method.scaling_factor=0.5"));
        for (List<String> run : runs) {
            Path report = root.resolve("report.json");
            Files.deleteIfExists(report);
            CliRunner result = run(run, "report_save_path=" + report);
            assertEquals(0, result.exitCode(), run + ": " + result.err());
            JsonNode json = new ObjectMapper().readTree(report.toFile());
            for (String task : TinyTrainPools.TASKS) {
                double accuracy = json.get(task).get("accuracy").asDouble();
                assertTrue(accuracy >= 0 && accuracy <= 1, run + ": " + task);
            }
        }
    }

    @Test
    void badParametersAreBadInputNamingTheValidOnes() {
        CliRunner outside = run(List.of("method=regmean/clip_regmean", "method.reduce_non_diagonal_ratio=1.5"));
        assertEquals(2, outside.exitCode(), outside.err());
        assertTrue(outside.err().contains("reduce_non_diagonal_ratio"), outside.err());
        CliRunner unknown = run(List.of("method=fisher_merging/clip_fisher_merging", "method.num_fisher_exampels=3"));
        assertEquals(2, unknown.exitCode(), unknown.err());
        assertTrue(unknown.err().contains("num_fisher_examples") && unknown.err().contains("dataloader_kwargs.batch_size"), unknown.err());
        CliRunner badBatch = run(List.of("method=trust_region/clip_task_arithmetic", "method.batch_size=0"));
        assertEquals(2, badBatch.exitCode(), badBatch.err());
        CliRunner badRegex = run(List.of("method=regmean/clip_regmean", "method.exclude_param_names_regex=['(']"));
        assertEquals(2, badRegex.exitCode(), badRegex.err());
        assertTrue(badRegex.err().contains("'('"), badRegex.err());
        assertTrue(!badRegex.err().contains("\tat "), "no stack trace: " + badRegex.err());
    }

    @Test
    void aRunWithoutTrainDataIsBadInput() throws Exception {
        CliRunner noTaskPool = CliRunner.run("run", "method=regmean/clip_regmean", "modelpool=" + root.resolve("pool.yaml"));
        assertEquals(2, noTaskPool.exitCode(), noTaskPool.err());
        assertTrue(noTaskPool.err().contains("task pool"), noTaskPool.err());
        Path testOnly = Files.writeString(root.resolve("test-only.yaml"), Files.readString(root.resolve("tasks.yaml"))
                .replace("train: sun397-train, ", ""));
        CliRunner noTrain = CliRunner.run("run", "method=fisher_merging/clip_fisher_merging", "modelpool=" + root.resolve("pool.yaml"),
                "taskpool=" + testOnly);
        assertEquals(2, noTrain.exitCode(), noTrain.err());
        assertTrue(noTrain.err().contains("sun397") && noTrain.err().contains("'train'"), noTrain.err());
    }

    private static CliRunner run(List<String> arguments, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of("run", "--threads", "2", "modelpool=" + root.resolve("pool.yaml"),
                "taskpool=" + root.resolve("tasks.yaml"), "reference=false"));
        all.addAll(arguments);
        all.addAll(List.of(more));
        return CliRunner.run(all.toArray(String[]::new));
    }
}

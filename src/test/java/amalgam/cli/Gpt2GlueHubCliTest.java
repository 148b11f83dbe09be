package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.HubCache;
import amalgam.testing.Fixtures;
import amalgam.testing.HubCacheFixture;
import amalgam.testing.TinyLanguageModels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench's GPT-2 command lines by name — {@code modelpool=gpt-2_glue taskpool=gpt-2_glue} — against a Hugging Face
 * cache of stand-ins under the published ids ({@code gpt2}, {@code tanganke/gpt2_TASK}, GLUE's parquet splits under
 * {@code nyu-mll/glue}): the merged backbone is scored on every task's validation split with the task's head, exactly
 * as the same rows written as a JSON-lines task pool score it; the GPT-2 data-dependent methods read GLUE's train splits
 * from the model pool's {@code train_datasets}.
 */
class Gpt2GlueHubCliTest {
    private static final List<String> TASKS = List.of("cola", "mnli", "mrpc", "qnli", "qqp", "rte", "sst2");
    private static final Map<String, List<String>> COLUMNS = Map.of("cola", List.of("sentence"), "sst2", List.of("sentence"),
            "mrpc", List.of("sentence1", "sentence2"), "qqp", List.of("question1", "question2"), "mnli", List.of("premise", "hypothesis"),
            "qnli", List.of("question", "sentence"), "rte", List.of("sentence1", "sentence2"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;
    private static String previousHub;
    private static final Map<String, List<List<Object>>> VALIDATION = new LinkedHashMap<>();

    @BeforeAll
    static void hubCache() throws Exception {
        Path hub = Files.createDirectories(root.resolve("hub"));
        Path scratch = Files.createDirectories(root.resolve("scratch"));
        Path gpt2 = TinyLanguageModels.withWordTokenizer(scratch, "gpt2-lm");
        HubCacheFixture.addRepo(hub, HubCache.RepoType.MODEL.folderName("gpt2"), "a1", files(gpt2));
        Random random = new Random(3);
        Map<String, byte[]> glue = new LinkedHashMap<>();
        for (int t = 0; t < TASKS.size(); t++) {
            String task = TASKS.get(t);
            Path model = TinyLanguageModels.perturbedCopy(Fixtures.path("lm-tiny/gpt2-classify"), scratch.resolve(task), t + 1);
            HubCacheFixture.addRepo(hub, HubCache.RepoType.MODEL.folderName("tanganke/gpt2_" + task), "b" + t, files(model));
            List<List<Object>> validation = rows(random, COLUMNS.get(task).size(), 7);
            VALIDATION.put(task, validation);
            String split = task.equals("mnli") ? "validation_matched" : "validation";
            glue.put(task + "/" + split + "-00000-of-00001.parquet", HubCacheFixture.textParquet(scratch, COLUMNS.get(task), validation));
            glue.put(task + "/train-00000-of-00001.parquet", HubCacheFixture.textParquet(scratch, COLUMNS.get(task), rows(random,
                    COLUMNS.get(task).size(), 5)));
        }
        HubCacheFixture.addRepo(hub, HubCache.RepoType.DATASET.folderName("nyu-mll/glue"), "c1", glue);
        previousHub = System.setProperty("amalgam.hub.cache", hub.toString());
    }

    @AfterAll
    static void restore() {
        if (previousHub == null) {
            System.clearProperty("amalgam.hub.cache");
        } else {
            System.setProperty("amalgam.hub.cache", previousHub);
        }
    }

    @Test
    void theGlueTaskPoolScoresAsTheSameRowsInJsonLines() throws Exception {
        Path hubReport = root.resolve("hub.json");
        CliRunner hub = CliRunner.run("run", "method=task_arithmetic", "modelpool=gpt-2_glue", "taskpool=gpt-2_glue",
                "report_save_path=" + hubReport, "--no-record");
        assertEquals(0, hub.exitCode(), hub.err());
        StringBuilder pool = new StringBuilder("tasks:\n");
        for (String task : TASKS) {
            List<String> lines = new ArrayList<>();
            for (List<Object> row : VALIDATION.get(task)) {
                lines.add(row.size() == 3 ? "{\"text\": \"%s\", \"text_pair\": \"%s\", \"label\": %s}".formatted(row.get(0), row.get(1), row.get(2))
                        : "{\"text\": \"%s\", \"label\": %s}".formatted(row.get(0), row.get(1)));
            }
            Files.write(root.resolve(task + ".jsonl"), lines);
            pool.append("  - {name: ").append(task).append(", type: classification, file: ").append(task).append(".jsonl, max_length: 512}\n");
        }
        Path tasks = Files.writeString(root.resolve("tasks.yaml"), pool);
        Path fileReport = root.resolve("file.json");
        CliRunner file = CliRunner.run("run", "method=task_arithmetic", "modelpool=gpt-2_glue", "taskpool=" + tasks,
                "report_save_path=" + fileReport, "--no-record");
        assertEquals(0, file.exitCode(), file.err());
        JsonNode fromHub = JSON.readTree(hubReport.toFile());
        JsonNode fromFile = JSON.readTree(fileReport.toFile());
        for (String task : TASKS) {
            assertEquals(fromFile.get(task), fromHub.get(task), task);
            assertEquals(7, fromHub.at("/" + task + "/items").asInt(), task);
        }
        assertTrue(hub.out().contains("sst2"), hub.out());
    }

    @Test
    void theDataDependentMethodsReadTheModelPoolsTrainDatasets() {
        for (String method : List.of("regmean/gpt2_regmean", "fisher_merging/gpt2_fisher_merging")) {
            CliRunner run = CliRunner.run("run", "method=" + method, "modelpool=gpt-2_glue", "taskpool=gpt-2_glue", "--no-record");
            assertEquals(0, run.exitCode(), method + ": " + run.err());
        }
        CliRunner adamerging = CliRunner.run("run", "method=adamerging/layer_wise_gpt2", "modelpool=gpt-2_glue", "taskpool=gpt-2_glue",
                "fast_dev_run=true", "--no-record");
        assertEquals(0, adamerging.exitCode(), adamerging.err());
        CliRunner missing = CliRunner.run("run", "method=task_arithmetic", "modelpool=gpt-2_glue", "taskpool=gpt-2_glue",
                "taskpool.test_datasets.cola.split=test", "--no-record");
        assertEquals(2, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("cola") && missing.err().contains("test"), missing.err());
    }

    /** {@code count} rows of 1 or 2 word texts and a label in [0, 3). */
    private static List<List<Object>> rows(Random random, int texts, int count) {
        List<List<Object>> rows = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            List<Object> row = new ArrayList<>();
            for (int t = 0; t < texts; t++) {
                int words = 1 + random.nextInt(4);
                StringBuilder text = new StringBuilder();
                for (int w = 0; w < words; w++) {
                    text.append(w == 0 ? "" : " ").append('w').append(random.nextInt(79));
                }
                row.add(text.toString());
            }
            row.add((long) random.nextInt(3));
            rows.add(row);
        }
        return rows;
    }

    private static Map<String, byte[]> files(Path folder) throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (var listing = Files.list(folder)) {
            for (Path file : listing.sorted().toList()) {
                if (file.getFileName().toString().endsWith(".json") || file.getFileName().toString().equals("model.safetensors")) {
                    files.put(file.getFileName().toString(), Files.readAllBytes(file));
                }
            }
        }
        return files;
    }
}

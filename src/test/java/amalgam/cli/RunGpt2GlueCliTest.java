package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.io.Checkpoint;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.io.TensorInfo;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import amalgam.testing.TinyLanguageModels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench's GPT-2 GLUE setting through {@code amalgam run}: a pool loaded as {@code GPT2Model} backbones, merged,
 * and evaluated on each classification task with that task's own classifier head on the merged backbone (as
 * FusionBench's GPT-2 task pool does); the pretrained row likewise, each task model's row with its whole classifier.
 * The expected numbers come from a checkpoint assembled by hand: the task's head beside the backbone's tensors.
 */
class RunGpt2GlueCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void aMergedBackboneIsEvaluatedWithEachTasksHead() throws Exception {
        Path pretrained = TinyLanguageModels.withWordTokenizer(temp, "gpt2-lm");
        Path sst2 = TinyLanguageModels.perturbedCopy(Fixtures.path("lm-tiny/gpt2-classify"), temp.resolve("sst2"), 0);
        Path rte = TinyLanguageModels.perturbedCopy(Fixtures.path("lm-tiny/gpt2-classify"), temp.resolve("rte"), 7);
        Path pool = TestCheckpoints.gpt2BackbonePool(temp.resolve("pool.yaml"), pretrained, java.util.Map.entry("sst2", sst2),
                java.util.Map.entry("rte", rte));
        List<String> items = new ArrayList<>();
        Random random = new Random(5);
        for (int i = 0; i < 11; i++) {
            items.add("{\"text\": \"w%d w%d w%d\", \"text_pair\": \"w%d w%d\", \"label\": %d}".formatted(random.nextInt(79), random.nextInt(79),
                    random.nextInt(79), random.nextInt(79), random.nextInt(79), random.nextInt(3)));
        }
        Files.write(temp.resolve("glue.jsonl"), items);
        Path tasks = Files.writeString(temp.resolve("tasks.yaml"), """
                tasks:
                  - {name: sst2, type: classification, file: glue.jsonl, max_length: 4}
                  - {name: rte, type: classification, file: glue.jsonl}
                """);
        Path merged = temp.resolve("merged");
        Path report = temp.resolve("report.json");
        CliRunner run = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=" + tasks, "reference=true",
                "merged_model_save_path=" + merged, "report_save_path=" + report, "--no-record");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode results = JSON.readTree(report.toFile());

        Path byHand = Files.createDirectories(temp.resolve("assembled"));
        for (String task : List.of("sst2", "rte")) {
            Path classifier = task.equals("sst2") ? sst2 : rte;
            int maxLength = task.equals("sst2") ? 4 : 16;
            assertScores(scores(assemble(classifier, merged, byHand.resolve(task)), items, maxLength), results.get(task), task);
            assertScores(scores(assemble(classifier, pretrained, byHand.resolve("pretrained-" + task)), items, maxLength),
                    results.at("/reference/pretrained/" + task), "pretrained on " + task);
            assertScores(scores(classifier, items, maxLength), results.at("/reference/individual/" + task), task + "'s own classifier");
        }
    }

    /** Accuracy exactly; the loss (float32 logits, summed in another order) within 1e-6. */
    private static void assertScores(double[] expected, JsonNode actual, String what) {
        assertEquals(expected[0], actual.get("accuracy").asDouble(), 1e-12, what);
        assertEquals(expected[1], actual.get("loss").asDouble(), 1e-6, what);
    }

    /** The classifier's config and head with every tensor of the backbone under "transformer.". */
    private static Path assemble(Path classifier, Path backbone, Path folder) throws Exception {
        Files.createDirectories(folder);
        Files.copy(classifier.resolve("config.json"), folder.resolve("config.json"));
        try (Checkpoint head = Checkpoint.open(classifier); Checkpoint body = Checkpoint.open(backbone)) {
            List<TensorEntry> entries = new ArrayList<>();
            List<Tensor> tensors = new ArrayList<>();
            for (TensorInfo info : body.tensors()) {
                String name = info.name().startsWith("transformer.") ? info.name() : "transformer." + info.name();
                if (!name.startsWith("transformer.") || name.equals("lm_head.weight")) {
                    continue;
                }
                entries.add(new TensorEntry(name, info.dtype(), info.shape()));
                tensors.add(body.tensor(info.name()));
            }
            entries.add(new TensorEntry("score.weight", DType.F32, head.tensor("score.weight").shape()));
            tensors.add(head.tensor("score.weight"));
            try (SafetensorsWriter writer = SafetensorsWriter.create(folder.resolve("model.safetensors"), entries, SafetensorsWriter.NO_METADATA)) {
                for (int i = 0; i < entries.size(); i++) {
                    writer.write(entries.get(i).name(), tensors.get(i));
                }
                writer.commit();
            }
        }
        return folder;
    }

    /**
     * Accuracy and loss of a classifier on the items, each pair's words as ids cut to {@code maxLength} tokens; the loss
     * is the mean over batches of 8 of the batch-mean cross-entropy.
     */
    private static double[] scores(Path classifier, List<String> items, int maxLength) throws Exception {
        int correct = 0;
        double losses = 0;
        double batch = 0;
        int batches = 0;
        try (LoadedLanguageModel model = LoadedLanguageModel.open(classifier, 1)) {
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = JSON.readTree(items.get(i));
                String words = item.get("text").asText() + " " + item.get("text_pair").asText();
                long[] ids = java.util.Arrays.stream(words.split(" ")).mapToLong(word -> Long.parseLong(word.substring(1))).toArray();
                float[] scores = model.classify(java.util.Arrays.copyOf(ids, Math.min(ids.length, maxLength)));
                int label = item.get("label").asInt();
                correct += TinyLanguageModels.argmax(scores) == label ? 1 : 0;
                double sum = 0;
                for (float score : scores) {
                    sum += Math.exp(score);
                }
                batch += Math.log(sum) - scores[label];
                if (i % 8 == 7 || i == items.size() - 1) {
                    losses += batch / (i % 8 + 1);
                    batch = 0;
                    batches++;
                }
            }
        }
        return new double[] {(double) correct / items.size(), losses / batches};
    }
}

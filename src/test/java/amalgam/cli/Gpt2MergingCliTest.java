package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.TensorInfo;
import amalgam.testing.Fixtures;
import amalgam.testing.TinyLanguageModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code regmean/gpt2_regmean} and {@code fisher_merging/gpt2_fisher_merging} through {@code amalgam run} on the
 * gpt2-merge fixture: two tiny GPT-2 classifiers on their train items, merged at the backbone, against an independent
 * torch reference of FusionBench's algorithms ({@code fixtures/gpt2-merge/generate.py}). Tolerance: RegMean 1e-4 +
 * 1e-3·|x| (float32 Gram sums against the reference's float64, then a solve); Fisher 1e-5 + 1e-4·|x| (float32 gradients
 * summed in another order).
 */
class Gpt2MergingCliTest {
    @TempDir
    Path temp;

    private Path pool;
    private Path tasks;

    @BeforeEach
    void pools() throws IOException {
        Path fixture = Fixtures.path("gpt2-merge");
        Path pretrained = Files.createDirectories(temp.resolve("pretrained"));
        for (String file : List.of("config.json", "model.safetensors")) {
            Files.copy(fixture.resolve("pretrained").resolve(file), pretrained.resolve(file));
        }
        TinyLanguageModels.writeWordTokenizer(pretrained);
        pool = TestCheckpoints.gpt2BackbonePool(temp.resolve("pool.yaml"), pretrained, java.util.Map.entry("cola", fixture.resolve("cola")),
                java.util.Map.entry("rte", fixture.resolve("rte")));
        tasks = Files.writeString(temp.resolve("tasks.yaml"), """
                tasks:
                  - {name: cola, type: classification, file: %1$s/cola.train.jsonl, train: %1$s/cola.train.jsonl, max_length: 8}
                  - {name: rte, type: classification, file: %1$s/rte.train.jsonl, train: %1$s/rte.train.jsonl, max_length: 8}
                """.formatted(fixture));
    }

    @Test
    void regMeanMatchesTheReference() throws IOException {
        assertMatches(merge("regmean/gpt2_regmean"), read(Fixtures.path("gpt2-merge/regmean.safetensors")), 1e-4, 1e-3);
    }

    @Test
    void fisherMergingMatchesTheReference() throws IOException {
        assertMatches(merge("fisher_merging/gpt2_fisher_merging"), read(Fixtures.path("gpt2-merge/fisher.safetensors")), 1e-5, 1e-4);
    }

    @Test
    void layerWiseAdaMergingMatchesTheReference() throws IOException {
        // every step's batch is all six items of a task, so the shuffle does not matter; 3 Adam steps at lr 0.05
        Path out = temp.resolve("adamerging");
        CliRunner run = CliRunner.run("run", "method=adamerging/layer_wise_gpt2", "modelpool=" + pool, "taskpool=" + tasks,
                "method.max_steps=3", "method.optimizer.lr=0.05", "method.dataloader_kwargs.batch_size=6",
                "method.merging_weights_save_path=merging_weights.pt", "merged_model_save_path=" + out, "--no-record");
        assertEquals(0, run.exitCode(), run.err());
        assertMatches(read(out), read(Fixtures.path("gpt2-merge/adamerging.safetensors")), 1e-5, 1e-4);
        float[] expected = read(Fixtures.path("gpt2-merge/adamerging-lambdas.safetensors")).get("lambdas");
        float[] learned = read(out.resolve("merging_weights.safetensors")).values().iterator().next();
        assertEquals(expected.length, learned.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], learned[i], 1e-5, "coefficient " + i + " (rows: cola, rte; columns: GPT2Model's parameter order)");
        }
        assertTrue(Math.abs(expected[0] - 0.3f) > 1e-3, "the coefficients moved from 0.3");
    }

    @Test
    void withoutTrainItemsTheMethodSaysWhatIsMissing() throws IOException {
        Path bare = Files.writeString(temp.resolve("bare.yaml"), Files.readString(tasks).replaceAll(", train: [^,]+", ""));
        CliRunner run = CliRunner.run("run", "method=regmean/gpt2_regmean", "modelpool=" + pool, "taskpool=" + bare, "--no-record");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("train"), run.err());
        CliRunner noPool = CliRunner.run("run", "method=fisher_merging/gpt2_fisher_merging", "modelpool=" + pool, "taskpool=dummy",
                "--no-record");
        assertEquals(2, noPool.exitCode(), noPool.err());
        assertTrue(noPool.err().contains("language task pool"), noPool.err());
    }

    private Map<String, float[]> merge(String method) throws IOException {
        Path out = temp.resolve(method.replace('/', '-'));
        CliRunner run = CliRunner.run("run", "method=" + method, "modelpool=" + pool, "taskpool=" + tasks, "merged_model_save_path=" + out,
                "--no-record");
        assertEquals(0, run.exitCode(), run.err());
        return read(out);
    }

    private static void assertMatches(Map<String, float[]> actual, Map<String, float[]> expected, double absolute, double relative) {
        assertEquals(expected.keySet(), actual.keySet());
        List<String> wrong = new ArrayList<>();
        expected.forEach((name, values) -> {
            float[] got = actual.get(name);
            for (int i = 0; i < values.length; i++) {
                if (Math.abs(got[i] - values[i]) > absolute + relative * Math.abs(values[i])) {
                    wrong.add(name + "[" + i + "]: " + got[i] + " vs " + values[i]);
                    return;
                }
            }
        });
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    private static Map<String, float[]> read(Path model) {
        Map<String, float[]> tensors = new TreeMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            for (TensorInfo info : checkpoint.tensors()) {
                tensors.put(info.name(), checkpoint.tensor(info.name()).toFloatArray());
            }
        }
        return tensors;
    }
}

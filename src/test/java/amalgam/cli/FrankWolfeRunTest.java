package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import amalgam.testing.SafetensorsTestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frank–Wolfe merging end to end on a tiny CLIP pool with train splits: with no iterations it is its starting merge
 * (task arithmetic at λ), one iteration moves every tower tensor exactly γ·λ = 2/2 · step_size · λ of the way to one
 * candidate (a fine-tuned model or the start), the same for any thread count; bad options exit 2.
 */
class FrankWolfeRunTest {
    @TempDir
    Path temp;

    @Test
    void noIterationIsTheStartingMergeAndOneIterationStepsTowardsOneCandidate() throws Exception {
        Path clip = writePool();
        Map<String, float[]> start = run("zero", "method.max_iters=0");
        Map<String, float[]> ta = runMethod("ta", "method=task_arithmetic");
        for (String name : start.keySet()) {
            if (name.startsWith("vision_model.")) {
                assertArrayEquals(ta.get(name), start.get(name), 1e-6f, name);
            }
        }
        Map<String, float[]> one = run("one", "method.max_iters=1", "method.step_size=0.5");
        float step = 0.5f * 0.3f;
        List<Map<String, float[]>> candidates = new ArrayList<>();
        for (String model : List.of("sun397", "eurosat")) {
            candidates.add(SafetensorsTestFiles.floats(clip.resolve(model).resolve("model.safetensors")));
        }
        candidates.add(start);
        int matched = -1;
        for (int c = 0; c < candidates.size() && matched < 0; c++) {
            if (movedTowards(start, candidates.get(c), one, step)) {
                matched = c;
            }
        }
        assertTrue(matched >= 0, "one step lands on no candidate's segment");
        Map<String, float[]> otherThreads = run("threads", "method.max_iters=1", "method.step_size=0.5", "--threads", "1");
        for (String name : one.keySet()) {
            assertArrayEquals(one.get(name), otherThreads.get(name), name + " differs with another thread count");
        }
    }

    @Test
    void softWithOneIterationPicksEveryModelOnceAndAddsThemAsTaskArithmetic() throws Exception {
        writePool();
        Map<String, float[]> ta = runMethod("ta", "method=task_arithmetic");
        // one iteration picks each of the two models once; AdaMerging without steps keeps λ = 0.3 for both
        Map<String, float[]> soft = runMethod("soft", "method=fw_soft", "method.max_iters=1", "method.ada_iters=0",
                "method.dataset_size=10");
        Map<String, float[]> added = runMethod("added", "method=fw_soft", "method.max_iters=1", "method.merge_fn=task_arithmetic",
                "method.dataset_size=10");
        for (String name : ta.keySet()) {
            if (name.startsWith("vision_model.")) {
                assertArrayEquals(ta.get(name), soft.get(name), 1e-5f, name);
                assertArrayEquals(ta.get(name), added.get(name), 1e-5f, name);
            }
        }
        Map<String, float[]> trained = runMethod("trained", "method=fw_soft", "method.max_iters=2", "method.ada_iters=2",
                "method.dataset_size=10");
        boolean moved = false;
        for (String name : ta.keySet()) {
            if (name.startsWith("vision_model.") && !java.util.Arrays.equals(ta.get(name), trained.get(name))) {
                moved = true;
            }
        }
        assertTrue(moved, "AdaMerging steps and a second iteration change the model");
    }

    @Test
    void softLayerGranularityTakesEachTensorFromTheModelWhoseTensorAlignsBest() throws Exception {
        Path clip = writePool();
        Map<String, float[]> theta0 = SafetensorsTestFiles.floats(clip.resolve("pretrained").resolve("model.safetensors"));
        // two tasks and two models: per tensor the two picks are the two models, so one added iteration is task arithmetic
        Map<String, float[]> ta = runMethod("ta", "method=task_arithmetic");
        Map<String, float[]> both = runMethod("both", "method=fw_soft", "method.max_iters=1", "method.merge_fn=task_arithmetic",
                "method.granularity=layer", "method.dataset_size=10");
        // one task's gradient alone: each tensor is θ0 + 0.3 (θ_c − θ0) for its own best model c, and they differ by tensor
        Map<String, float[]> one = runMethod("one", "method=fw_soft", "method.max_iters=1", "method.merge_fn=task_arithmetic",
                "method.granularity=layer", "method.dataset_size=10", "method.tasks=[sun397]");
        Map<String, float[]> sun = SafetensorsTestFiles.floats(clip.resolve("sun397").resolve("model.safetensors"));
        Map<String, float[]> euro = SafetensorsTestFiles.floats(clip.resolve("eurosat").resolve("model.safetensors"));
        java.util.Set<String> sources = new java.util.HashSet<>();
        for (String name : ta.keySet()) {
            if (!name.startsWith("vision_model.")) {
                continue;
            }
            assertArrayEquals(ta.get(name), both.get(name), 1e-5f, name);
            float[] expectSun = new float[theta0.get(name).length];
            float[] expectEuro = new float[theta0.get(name).length];
            for (int i = 0; i < expectSun.length; i++) {
                expectSun[i] = theta0.get(name)[i] + 0.3f * (sun.get(name)[i] - theta0.get(name)[i]);
                expectEuro[i] = theta0.get(name)[i] + 0.3f * (euro.get(name)[i] - theta0.get(name)[i]);
            }
            if (close(expectSun, one.get(name))) {
                sources.add("sun397");
            } else if (close(expectEuro, one.get(name))) {
                sources.add("eurosat");
            } else {
                org.junit.jupiter.api.Assertions.fail(name + " is neither model's step");
            }
        }
        assertEquals(java.util.Set.of("sun397", "eurosat"), sources, "tensors come from different models");
    }

    @Test
    void softWithCrossEntropyTrainsOnLabelledTrainBatches() throws Exception {
        writePool();
        Map<String, float[]> entropy = runMethod("entropy", "method=fw_soft", "method.max_iters=1", "method.ada_iters=3",
                "method.dataset_size=10");
        Map<String, float[]> labelled = runMethod("labelled", "method=fw_soft", "method.max_iters=1", "method.ada_iters=3",
                "method.dataset_size=10", "method.ada_loss=cross_entropy");
        Map<String, float[]> again = runMethod("again", "method=fw_soft", "method.max_iters=1", "method.ada_iters=3",
                "method.dataset_size=10", "method.ada_loss=cross_entropy", "--threads", "1");
        boolean differs = false;
        for (String name : entropy.keySet()) {
            assertArrayEquals(labelled.get(name), again.get(name), name + " differs with another thread count");
            differs |= !java.util.Arrays.equals(entropy.get(name), labelled.get(name));
        }
        assertTrue(differs, "the labelled objective moves the coefficients elsewhere than the entropy");
    }

    private static boolean close(float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > 1e-5f) {
                return false;
            }
        }
        return true;
    }

    @Test
    void badOptionsExitTwo() throws Exception {
        writePool();
        for (String bad : List.of("method.merge_fn=dare", "method.granularity=block", "method.loss_fn=mse", "method.step_size=-1")) {
            CliRunner result = CliRunner.run("run", "method=fw_hard", bad, "modelpool=" + temp.resolve("pool.yaml"),
                    "taskpool=" + temp.resolve("tasks.yaml"));
            assertEquals(2, result.exitCode(), bad + ": " + result.err());
        }
        for (String bad : List.of("method.granularity=block", "method.ada_loss=mse", "method.init_weight=weights.pt", "method.merge_fn=ties")) {
            CliRunner result = CliRunner.run("run", "method=fw_soft", bad, "modelpool=" + temp.resolve("pool.yaml"),
                    "taskpool=" + temp.resolve("tasks.yaml"));
            assertEquals(2, result.exitCode(), bad + ": " + result.err());
        }
        CliRunner noTaskPool = CliRunner.run("run", "method=fw_hard", "modelpool=" + temp.resolve("pool.yaml"), "taskpool=dummy");
        assertEquals(2, noTaskPool.exitCode());
        assertTrue(noTaskPool.err().contains("task pool"), noTaskPool.err());
    }

    private Path writePool() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  eurosat: " + clip.resolve("eurosat") + "\n");
        TaskPools.writeTwoTasks(temp);
        return clip;
    }

    /** Every tower element of {@code after} equals start + step · (candidate − start). */
    private static boolean movedTowards(Map<String, float[]> start, Map<String, float[]> candidate, Map<String, float[]> after,
                                        float step) {
        for (String name : after.keySet()) {
            if (!name.startsWith("vision_model.")) {
                continue;
            }
            float[] s = start.get(name);
            float[] c = candidate.get(name);
            float[] a = after.get(name);
            for (int i = 0; i < a.length; i++) {
                float expected = s[i] + step * (c[i] - s[i]);
                if (Math.abs(a[i] - expected) > 1e-5f * Math.max(1f, Math.abs(expected))) {
                    return false;
                }
            }
        }
        return true;
    }

    private Map<String, float[]> run(String name, String... options) throws Exception {
        List<String> all = new ArrayList<>(List.of("method=fw_hard", "method.dataset_size=10"));
        all.addAll(List.of(options));
        return runMethod(name, all.toArray(String[]::new));
    }

    private Map<String, float[]> runMethod(String name, String... options) throws Exception {
        Path out = temp.resolve(name);
        List<String> arguments = new ArrayList<>(List.of("run", "--threads", "2"));
        List<String> rest = new ArrayList<>(List.of(options));
        int threads = rest.indexOf("--threads");
        if (threads >= 0) {
            arguments.set(2, rest.get(threads + 1));
            rest.remove(threads + 1);
            rest.remove(threads);
        }
        arguments.addAll(rest);
        arguments.addAll(List.of("modelpool=" + temp.resolve("pool.yaml"), "taskpool=" + temp.resolve("tasks.yaml"),
                "merged_model_save_path=" + out));
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return SafetensorsTestFiles.floats(out.resolve("model.safetensors"));
    }
}

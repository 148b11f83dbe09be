package amalgam.fusion;

import static amalgam.fusion.Pools.method;
import static amalgam.fusion.Pools.model;
import static amalgam.fusion.Pools.pool;
import static amalgam.fusion.Pools.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.UserInputException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TIES (global trim, sign election, disjoint merge) by hand, and DARE by statistics. */
class TiesAndDareTest {
    private static final float EPS = 1e-6f;

    /** Two tensors, d = 10, K = 0.2: keep = 2, t = 8th smallest |x|, so the top 3 of each task survive. */
    private static ModelPool twoTensorPool() {
        return pool(model("_pretrained_", "a", new float[6], "b", new float[4]),
                model("A", "a", new float[] {1, -2, 3, -4, 5, -6}, "b", new float[] {0.5f, 0.1f, 0.2f, 0.3f}),
                model("B", "a", new float[] {-0.1f, 0.2f, 0.3f, 7, -8, 0.4f}, "b", new float[] {9, 0.5f, 0.6f, 0.7f}));
    }

    @Test
    void tiesTrimsGloballyAndElectsSigns() {
        // trimmed A: a = [0,0,0,-4,5,-6]; B: a = [0,0,0,7,-8,0], b = [9,0,0,0]
        // mass signs a = [0,0,0,+,-,-], b = [+,0,0,0]; disjoint sum a = [0,0,0,7,-8,-6], b = [9,0,0,0]; λ = 0.3
        Map<String, float[]> out = run(method("ties_merging"), twoTensorPool(), 0);
        assertArrayEquals(new float[] {0, 0, 0, 2.1f, -2.4f, -1.8f}, out.get("a"), EPS);
        assertArrayEquals(new float[] {2.7f, 0, 0, 0}, out.get("b"), EPS);
    }

    @Test
    void removeKeysStayAtTheBaseAndLeaveTheFlattening() {
        // without 'b': d = 6, keep = 1, t = 5th smallest: A keeps 5, -6; B keeps 7, -8
        Map<String, float[]> out = run(method("ties_merging", "remove_keys", "[b]", "scaling_factor", 1), twoTensorPool(), 0);
        assertArrayEquals(new float[] {0, 0, 0, 7, -8, -6}, out.get("a"), EPS);
        assertArrayEquals(new float[4], out.get("b"), 0f);
    }

    @Test
    void zeroElectedSignsTakeTheMajorityAndMergeFunctionsDiffer() {
        // threshold 1 keeps everything; mass = [0, 3, 0, 5] so the majority sign is +
        var pool = pool(model("_pretrained_", "w", new float[4]), model("A", "w", new float[] {1, 2, -1, 3}),
                model("B", "w", new float[] {-1, 1, 1, 2}));
        assertArrayEquals(new float[] {1, 3, 1, 5},
                run(method("ties_merging", "threshold", 1, "scaling_factor", 1), pool, 0).get("w"), EPS);
        assertArrayEquals(new float[] {1, 1.5f, 1, 2.5f},
                run(method("ties_merging", "threshold", 1, "scaling_factor", 1, "merge_func", "dis-mean"), pool, 0).get("w"), EPS);
        assertArrayEquals(new float[] {1, 2, 1, 3},
                run(method("ties_merging", "threshold", 1, "scaling_factor", 1, "merge_func", "max"), pool, 0).get("w"), EPS);
        assertThrows(UserInputException.class, () -> method("ties_merging", "merge_func", "median"));
    }

    @Test
    void tiesAtDensityOneWithoutConflictsIsTaskArithmetic() {
        var pool = pool(model("_pretrained_", "w", new float[] {1, 1}), model("A", "w", new float[] {2, 3}),
                model("B", "w", new float[] {4, 2}));
        assertArrayEquals(run(method("task_arithmetic"), pool, 0).get("w"),
                run(method("ties_merging", "threshold", 100), pool, 0).get("w"), EPS);
    }

    @Test
    void thresholdZeroKeepsTheMaximumOnly() {
        var pool = pool(model("_pretrained_", "w", new float[4]), model("A", "w", new float[] {1, -5, 2, 3}));
        assertArrayEquals(new float[] {0, -5, 0, 0},
                run(method("ties_merging", "threshold", 0, "scaling_factor", 1), pool, 0).get("w"), EPS);
    }

    private static ModelPool onesPool(int n) {
        float[] ones = new float[n];
        Arrays.fill(ones, 1);
        return pool(model("_pretrained_", "w", new float[n], "v", new float[n]), model("A", "w", ones, "v", ones.clone()));
    }

    @Test
    void dareKeepsAboutOneMinusPAndRescales() {
        int n = 100_000;
        float[] w = run(method("dare/task_arithmetic", "sparsity_ratio", 0.3, "scaling_factor", 1), onesPool(n), 42).get("w");
        long kept = 0;
        for (float x : w) {
            if (x != 0) {
                kept++;
                assertEquals(1 / 0.7f, x, 1e-6f);
            }
        }
        // binomial(n, 0.7): sd ≈ 145, allow 5 sd
        assertEquals(0.7 * n, kept, 725);
    }

    @Test
    void dareIsReproducibleAndOrderIndependentButSeedDependent() {
        var algorithm = method("dare/task_arithmetic");
        Map<String, float[]> first = run(algorithm, onesPool(1000), 7);
        Map<String, float[]> reversed = Pools.runReversed(algorithm, onesPool(1000), 7);
        assertArrayEquals(first.get("w"), reversed.get("w"), 0f);
        assertArrayEquals(first.get("v"), reversed.get("v"), 0f);
        assertFalse(Arrays.equals(first.get("w"), first.get("v")), "tensors must get independent masks");
        assertFalse(Arrays.equals(first.get("w"), run(algorithm, onesPool(1000), 8).get("w")));
    }

    @Test
    void dareSimpleAverageUsesOneOverT() {
        var pool = pool(model("_pretrained_", "w", new float[] {0}), model("A", "w", new float[] {2}),
                model("B", "w", new float[] {4}));
        // p = 0: nothing dropped, λ = 1/2
        assertArrayEquals(new float[] {3}, run(method("dare/simple_average", "sparsity_ratio", 0), pool, 1).get("w"), EPS);
        assertThrows(UserInputException.class, () -> method("dare/simple_average", "sparsity_ratio", 1));
    }

    @Test
    void dareTiesWithoutDropIsTies() {
        Map<String, float[]> ties = run(method("ties_merging", "scaling_factor", 0.5), twoTensorPool(), 0);
        Map<String, float[]> dareTies = run(method("dare/ties_merging", "sparsity_ratio", 0), twoTensorPool(), 3);
        assertArrayEquals(ties.get("a"), dareTies.get("a"), EPS);
        assertArrayEquals(ties.get("b"), dareTies.get("b"), EPS);
    }

    @Test
    void dareOnlyOnLinearWeightsLeavesOtherTensorsIntact() {
        int n = 64;
        float[] ones = new float[n];
        Arrays.fill(ones, 1);
        var pool = pool(model("_pretrained_", "fc.weight", Pools.matrix(8, 8, new float[n]), "fc.bias", new float[n]),
                model("A", "fc.weight", Pools.matrix(8, 8, ones), "fc.bias", ones.clone()));
        Map<String, float[]> out = run(method("dare/task_arithmetic", "only_on_linear_weights", true, "scaling_factor", 1), pool, 5);
        float[] expectedBias = new float[n];
        Arrays.fill(expectedBias, 1);
        assertArrayEquals(expectedBias, out.get("fc.bias"), 0f);
        assertFalse(Arrays.equals(expectedBias, out.get("fc.weight")));
    }
}

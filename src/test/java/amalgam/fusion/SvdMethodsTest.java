package amalgam.fusion;

import static amalgam.fusion.Pools.matrix;
import static amalgam.fusion.Pools.method;
import static amalgam.fusion.Pools.model;
import static amalgam.fusion.Pools.pool;
import static amalgam.fusion.Pools.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** TSV-M and ISO-C / ISO-CTS on diagonal task vectors whose SVDs are known by hand (tolerance 1e-5: LAPACK). */
class SvdMethodsTest {
    private static final float EPS = 1e-5f;

    private static float[] diagonal(float... d) {
        float[] m = new float[d.length * d.length];
        for (int i = 0; i < d.length; i++) {
            m[i * d.length + i] = d[i];
        }
        return m;
    }

    private static ModelPool diagonalPool(float[] first, float[] second, float[] bias1, float[] bias2) {
        int r = first.length;
        return pool(model("_pretrained_", "fc.weight", matrix(r, r, new float[r * r]), "fc.bias", new float[bias1.length]),
                model("a", "fc.weight", matrix(r, r, diagonal(first)), "fc.bias", bias1),
                model("b", "fc.weight", matrix(r, r, diagonal(second)), "fc.bias", bias2));
    }

    @Test
    void tsvmKeepsEachTasksTopTripletAndAveragesVectors() {
        // r = 2, T = 2, k = 1: task a contributes (e1, 3, e1), task b (e2, 2, e2); polar factors are I
        ModelPool pool = diagonalPool(new float[] {3, 1}, new float[] {1, 2}, new float[] {1, 2}, new float[] {3, 4});
        Map<String, float[]> out = run(method("task_singular_vector"), pool, 0);
        assertArrayEquals(diagonal(3, 2), out.get("fc.weight"), EPS);
        assertArrayEquals(new float[] {2, 3}, out.get("fc.bias"), EPS);
        Map<String, float[]> scaled = run(method("task_singular_vector/TaskSingularVectorMerging", "alpha", 0.5), pool, 0);
        assertArrayEquals(diagonal(1.5f, 1), scaled.get("fc.weight"), EPS);
        assertArrayEquals(new float[] {1, 1.5f}, scaled.get("fc.bias"), EPS);
    }

    @Test
    void tsvmWithOneModelReturnsThatModel() {
        float[] w = {1, 2, 3, 4, 5, 7};
        ModelPool pool = pool(model("_pretrained_", "w", matrix(2, 3, new float[6])), model("a", "w", matrix(2, 3, w)));
        assertArrayEquals(w, run(method("task_singular_vector"), pool, 0).get("w"), EPS);
    }

    @Test
    void isoCFlattensTheSpectrumOfTheSum() {
        // Σ = diag(3, 1): mean S = 2, τ_m = 2·I; biases: mean
        ModelPool pool = diagonalPool(new float[] {3, 0}, new float[] {0, 1}, new float[] {1, 2}, new float[] {3, 4});
        Map<String, float[]> out = run(method("iso_c", "scaling_factor", 1.5), pool, 0);
        assertArrayEquals(diagonal(3, 3), out.get("fc.weight"), EPS);
        assertArrayEquals(new float[] {3, 4.5f}, out.get("fc.bias"), EPS);
    }

    @Test
    void isoCtsStacksTaskAndCommonSubspaces() {
        // r = 4, T = 2, f = 0.5: c0 = 2, c = 2, one slot per task. Σ = diag(4, 3, 1, 0.5): common e1, e2; task a
        // keeps (e3, 1), task b (e4, 0.5); stacked directions span I, mean of all 4 singular values = 2.125
        ModelPool pool = diagonalPool(new float[] {4, 0, 1, 0}, new float[] {0, 3, 0, 0.5f}, new float[] {0}, new float[] {2});
        Map<String, float[]> out = run(method("iso_cts", "common_space_fraction", 0.5), pool, 0);
        assertArrayEquals(diagonal(2.125f, 2.125f, 2.125f, 2.125f), out.get("fc.weight"), EPS);
        assertArrayEquals(new float[] {1}, out.get("fc.bias"), EPS);
    }

    @Test
    void isoCtsWithoutTaskSlotsUsesTheCommonSpaceOnly() {
        // r = 2, T = 2, f = 0.8: c0 = 1, round_half_even(0.5) = 0, so c = 2 and ISO-CTS equals ISO-C
        ModelPool pool = diagonalPool(new float[] {3, 0}, new float[] {0, 1}, new float[] {0}, new float[] {0});
        assertArrayEquals(diagonal(2, 2), run(method("isotropic_merging/iso_cts"), pool, 0).get("fc.weight"), EPS);
    }

    @Test
    void calibrationUndoesTheScalingOfASingleTaskVector() {
        // T = 1, ΔM = λτ: every ratio s_r = λ, γ_r = 1/max(alpha, λ)
        float[] w = {1, 2, 3, 4};
        ModelPool pool = pool(model("_pretrained_", "w", matrix(2, 2, 1, 1, 1, 1), "b", new float[] {0}),
                model("a", "w", matrix(2, 2, 2, 3, 4, 5), "b", new float[] {1}));
        Map<String, float[]> out = run(method("singular_value_calibration/task_arithmetic"), pool, 0);
        assertArrayEquals(new float[] {2, 3, 4, 5}, out.get("w"), EPS);
        assertArrayEquals(new float[] {0.3f}, out.get("b"), EPS);
        // alpha 0.5 > λ = 0.3: γ = 2, W = W0 + 0.6·τ
        Map<String, float[]> floored = run(method("singular_value_calibration/task_arithmetic", "alpha", 0.5), pool, 0);
        assertArrayEquals(new float[] {1.6f, 2.2f, 2.8f, 3.4f}, floored.get("w"), EPS);
        Map<String, float[]> viaBase = run(method("singular_value_calibration/ties_merging", "base_method.threshold", 100), pool, 0);
        assertArrayEquals(new float[] {2, 3, 4, 5}, viaBase.get("w"), EPS);
    }
}

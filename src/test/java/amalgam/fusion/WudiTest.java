package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.method.Wudi;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * WUDI against hand-derived values. With θ0 = 0, τ1 = [[1,1],[0,0]], τ2 = [[0,1],[1,0]] (‖τᵢ‖² = 2):
 * τ_m(0) = [[1,2],[1,0]]; (τ_m−τ1)τ1ᵀτ1/2 = [[.5,.5],[.5,.5]], (τ_m−τ2)τ2ᵀτ2/2 = [[.5,.5],[0,0]], so the
 * gradient is 2·[[1,1],[.5,.5]] = [[2,2],[1,1]]. Adam's first step moves every element by −lr·g/(|g|+ε) ≈ −lr.
 */
class WudiTest {
    private static ModelPool pool() {
        return Pools.pool(
                Pools.model("_pretrained_", "w", Pools.matrix(2, 2, 0, 0, 0, 0), "b", Pools.vector(1, 1)),
                Pools.model("a", "w", Pools.matrix(2, 2, 1, 1, 0, 0), "b", Pools.vector(1, 3)),
                Pools.model("c", "w", Pools.matrix(2, 2, 0, 1, 1, 0), "b", Pools.vector(2, 1)));
    }

    @Test
    void oneStepMovesAgainstTheSignOfTheClosedFormGradient() {
        Map<String, float[]> out = Pools.run(new Wudi(1, List.of()), pool(), 0);
        float lr = 1e-5f;
        assertArrayEquals(new float[] {1 - lr, 2 - lr, 1 - lr, -lr}, out.get("w"), 1e-9f);
        assertArrayEquals(new float[] {1.5f, 2f}, out.get("b"), 0f, "non-2-D tensors get the mean task vector");
    }

    @Test
    void zeroStepsIsTheSumOfTaskVectorsAndExcludedKeysAreAveraged() {
        assertArrayEquals(new float[] {1, 2, 1, 0}, Pools.run(new Wudi(0, List.of()), pool(), 0).get("w"), 0f);
        assertArrayEquals(new float[] {0.5f, 1, 0.5f, 0}, Pools.run(new Wudi(5, List.of("w")), pool(), 0).get("w"), 0f);
    }

    @Test
    void optimisationLowersTheInterferenceLoss() {
        float[] start = Pools.run(new Wudi(0, List.of()), pool(), 0).get("w");
        float[] end = Pools.run(new Wudi(400, List.of()), pool(), 0).get("w");
        assertTrue(loss(end) < loss(start), loss(end) + " >= " + loss(start));
    }

    @Test
    void aSingleModelIsAFixedPoint() {
        ModelPool single = Pools.pool(Pools.model("_pretrained_", "w", Pools.matrix(2, 2, 0, 0, 0, 0)),
                Pools.model("a", "w", Pools.matrix(2, 2, 1, 2, 3, 4)));
        assertArrayEquals(new float[] {1, 2, 3, 4}, Pools.run(new Wudi(50, List.of()), single, 0).get("w"), 0f);
        assertEquals("wudi/wudi", MethodRegistry.resolve("wudi").configName());
    }

    /** Σᵢ ‖(τ_m − τᵢ) τᵢᵀ‖² / ‖τᵢ‖² for the two task vectors above, in double. */
    private static double loss(float[] m) {
        double[][][] tasks = {{{1, 1}, {0, 0}}, {{0, 1}, {1, 0}}};
        double total = 0;
        for (double[][] t : tasks) {
            double norm = 0;
            double[][] d = new double[2][2];
            for (int r = 0; r < 2; r++) {
                for (int c = 0; c < 2; c++) {
                    d[r][c] = m[r * 2 + c] - t[r][c];
                    norm += t[r][c] * t[r][c];
                }
            }
            for (int r = 0; r < 2; r++) {
                for (int k = 0; k < 2; k++) {
                    double product = d[r][0] * t[k][0] + d[r][1] * t[k][1];
                    total += product * product / norm;
                }
            }
        }
        return total;
    }
}

package amalgam.fusion;

import static amalgam.fusion.Pools.matrix;
import static amalgam.fusion.Pools.method;
import static amalgam.fusion.Pools.model;
import static amalgam.fusion.Pools.pool;
import static amalgam.fusion.Pools.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** OPCM and the continual baselines against hand-derived values and their defining properties. */
class ContinualMethodsTest {
    private static final float EPS = 1e-5f;

    private static ModelPool opcmPool() {
        return pool(
                model("_pretrained_", "fc.weight", matrix(2, 2, 0, 0, 0, 0), "fc.bias", new float[] {0},
                        "class_embedding", new float[] {0}),
                model("a", "fc.weight", matrix(2, 2, 2, 0, 0, 1), "fc.bias", new float[] {1}, "class_embedding", new float[] {1}),
                model("b", "fc.weight", matrix(2, 2, 1, 1, 1, 1), "fc.bias", new float[] {2}, "class_embedding", new float[] {5}));
    }

    @Test
    void opcmProjectsRescalesAndSkipsNonLeafParameters() {
        // P = diag(2, 1): cumsum/ΣS = [2/3, 1] > 0.5 at 0, so split = 0; Q = τ with its diagonal zeroed
        // W = P + [[0,1],[1,0]] = [[2,1],[1,1]]; bias = 1 + 2 = 3; class_embedding stays 1.
        // n̄ = (√7 + √33)/2, ν = √17, every tensor scaled by n̄/ν = 1.0174750
        Map<String, float[]> out = run(method("opcm", "shuffle_order", false), opcmPool(), 0);
        float s = 1.0174750f;
        assertArrayEquals(new float[] {2 * s, s, s, s}, out.get("fc.weight"), EPS);
        assertArrayEquals(new float[] {3 * s}, out.get("fc.bias"), EPS);
        assertArrayEquals(new float[] {s}, out.get("class_embedding"), EPS);
    }

    @Test
    void opcmWithOneModelIsThatModel() {
        ModelPool pool = pool(model("_pretrained_", "fc.weight", matrix(2, 2, 0, 0, 0, 0)),
                model("a", "fc.weight", matrix(2, 2, 1, 2, 3, 4)));
        assertArrayEquals(new float[] {1, 2, 3, 4}, run(method("opcm/opcm"), pool, 5).get("fc.weight"), 0f);
    }

    private static ModelPool threeModels() {
        return pool(model("_pretrained_", "w", new float[] {1, 1}), model("a", "w", new float[] {2, 3}),
                model("b", "w", new float[] {0, 1}), model("c", "w", new float[] {4, -2}));
    }

    @Test
    void continualTaskArithmeticEqualsTaskArithmetic() {
        assertArrayEquals(run(method("task_arithmetic"), threeModels(), 0).get("w"),
                run(method("opcm/task_arithmetic"), threeModels(), 9).get("w"), EPS);
    }

    @Test
    void continualWeightAverageIsTheMeanInAnyOrder() {
        assertArrayEquals(new float[] {2, 2f / 3}, run(method("opcm/weight_average"), threeModels(), 3).get("w"), EPS);
        assertArrayEquals(new float[] {2, 2f / 3}, run(method("opcm/weight_average", "seed", 11), threeModels(), 0).get("w"), EPS);
    }

    @Test
    void continualTiesFirstStepAddsTheScaledTaskVector() {
        ModelPool one = pool(model("_pretrained_", "w", new float[] {1, 1}), model("a", "w", new float[] {3, 0}));
        assertArrayEquals(new float[] {2, 0.5f}, run(method("opcm/ties_merging"), one, 0).get("w"), EPS);
    }

    @Test
    void continualTiesSecondStepMergesWithTheRunningModel() {
        // step 1: M = [0,0] + 0.5·[2, -2] = [1, -1]. step 2 (threshold 1 keeps all): rows [1, -1] and [1, 3]:
        // mass [2, 2], both +: δ = [1 + 1, 3] = [2, 3]; M = [1, -1] + 0.5·[2, 3] = [2, 0.5]
        ModelPool pool = pool(model("_pretrained_", "w", new float[] {0, 0}), model("a", "w", new float[] {2, -2}),
                model("b", "w", new float[] {1, 3}));
        assertArrayEquals(new float[] {2, 0.5f},
                run(method("opcm/ties_merging", "shuffle_order", false, "threshold", 1), pool, 0).get("w"), EPS);
    }
}

package amalgam.fusion;

import static amalgam.fusion.Pools.method;
import static amalgam.fusion.Pools.model;
import static amalgam.fusion.Pools.pool;
import static amalgam.fusion.Pools.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import org.junit.jupiter.api.Test;

/** tall_mask/task_arithmetic against masks derived by hand from algorithms.md §2.10 (float32: tolerance 1e-6). */
class TallMaskTest {
    private static final float EPS = 1e-6f;

    // θ0 = [10, 10, 10, 10]; τa = [1, 0.5, -2, 0]; τb = [0.2, 1, 2, 0]; Στ = [1.2, 1.5, 0, 0]
    private final ModelPool pool = pool(model("_pretrained_", "w", new float[] {10, 10, 10, 10}),
            model("a", "w", new float[] {11, 10.5f, 8, 10}), model("b", "w", new float[] {10.2f, 11, 12, 10}));

    @Test
    void paperRuleKeepsWhatEachTaskOwns() {
        var tall = (PerTaskFusionAlgorithm) method("tall_mask/task_arithmetic");
        // λ = 0.6. Task a: |τa| = [1, .5, 2, 0] vs 0.6·|Στ − τa| = 0.6·[.2, 1, 2, 0] = [.12, .6, 1.2, 0]
        //   -> mask [1, 0, 1, 0] (0 > 0 is false); θ = θ0 + mask ⊙ Στ = [11.2, 10, 10, 10]
        assertArrayEquals(new float[] {11.2f, 10, 10, 10}, run(tall.planForTask(pool, 0, 0)).get("w"), EPS);
        // Task b: |τb| = [.2, 1, 2, 0] vs 0.6·|Στ − τb| = 0.6·[1, .5, 2, 0] = [.6, .3, 1.2, 0]
        //   -> mask [0, 1, 1, 0]; θ = [10, 11.5, 10, 10]
        assertArrayEquals(new float[] {10, 11.5f, 10, 10}, run(tall.planForTask(pool, 0, 1)).get("w"), EPS);
    }

    @Test
    void lambdaMovesTheThreshold() {
        // λ = 0.1: task b also keeps entry 0 (0.2 > 0.1·1), mask [1, 1, 1, 0]
        var tall = (PerTaskFusionAlgorithm) method("tall_mask", "tall_mask_lambda", 0.1);
        assertArrayEquals(new float[] {11.2f, 11.5f, 10, 10}, run(tall.planForTask(pool, 0, 1)).get("w"), EPS);
    }

    @Test
    void fusionBenchCompatSwapsTheRoles() {
        // |θ0 − τa| = [9, 9.5, 12, 10] > 0.6·|Στ − τa| = [.12, .6, 1.2, 0] everywhere: θ = θ0 + Στ
        var tall = (PerTaskFusionAlgorithm) method("tall_mask", "fusionbench_compat", true);
        assertArrayEquals(new float[] {11.2f, 11.5f, 10, 10}, run(tall.planForTask(pool, 0, 0)).get("w"), EPS);
    }

    @Test
    void declaresFusionBenchParametersAndHasNoSingleModel() {
        assertEquals(java.util.List.of("tall_mask_lambda", "debug", "verbose", "fusionbench_compat"),
                MethodRegistry.parameterNames("tall_mask/task_arithmetic"));
        var tall = method("tall_mask", "debug", 1, "verbose", 1);
        var error = assertThrows(UserInputException.class, () -> tall.plan(pool, 0));
        assertTrue(error.getMessage().contains("one model per task"), error.getMessage());
        var noBase = pool(model("a", "w", new float[] {1}), model("b", "w", new float[] {2}));
        assertThrows(UserInputException.class, () -> ((PerTaskFusionAlgorithm) tall).planForTask(noBase, 0, 0));
    }
}

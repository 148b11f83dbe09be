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
import amalgam.merge.InMemoryModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Elementwise methods against values derived by hand from their formulas (float32: tolerance 1e-6). */
class BasicMethodsTest {
    private static final float EPS = 1e-6f;

    @Test
    void simpleAverageIgnoresPretrained() {
        var pool = pool(model("_pretrained_", "w", new float[] {100, 100}), model("a", "w", new float[] {1, 2}),
                model("b", "w", new float[] {3, 6}));
        assertArrayEquals(new float[] {2, 4}, run(method("simple_average"), pool, 0).get("w"), EPS);
    }

    @Test
    void weightedAverageNormalizesAndChecksCount() {
        var pool = pool(model("a", "w", new float[] {4, 0}), model("b", "w", new float[] {0, 4}));
        assertArrayEquals(new float[] {1, 3}, run(method("weighted_average", "weights", "[1, 3]"), pool, 0).get("w"), EPS);
        assertArrayEquals(new float[] {4, 12},
                run(method("linear/weighted_average", "weights", "[1, 3]", "normalize", "false"), pool, 0).get("w"), EPS);
        var error = assertThrows(UserInputException.class, () -> method("weighted_average", "weights", "[1, 2, 3]").plan(pool, 0));
        assertTrue(error.getMessage().contains("3 weights for 2 models"), error.getMessage());
    }

    @Test
    void taskArithmeticScalesTheSum() {
        var pool = pool(model("_pretrained_", "w", new float[] {1, 1}), model("a", "w", new float[] {2, 3}),
                model("b", "w", new float[] {0, 1}));
        // τa = [1, 2], τb = [-1, 0], Σ = [0, 2]; θ = [1, 1] + 0.3·[0, 2]
        assertArrayEquals(new float[] {1, 1.6f}, run(method("task_arithmetic"), pool, 0).get("w"), EPS);
        assertArrayEquals(new float[] {1, 1}, run(method("task_arithmetic", "scaling_factor", 0), pool, 0).get("w"), 0f);
    }

    @Test
    void magMaxTakesLargestMagnitudeLaterOnTies() {
        var pool = pool(model("_pretrained_", "w", new float[] {0, 0, 0}), model("a", "w", new float[] {1, -3, 2}),
                model("b", "w", new float[] {-2, 3, 1}));
        // best = [-2, 3, 2]; λ = 0.5
        assertArrayEquals(new float[] {-1, 1.5f, 1}, run(method("magmax"), pool, 0).get("w"), EPS);
    }

    @Test
    void modelStockInterpolatesByAngle() {
        var orthogonal = pool(model("_pretrained_", "w", new float[] {0, 0}), model("a", "w", new float[] {1, 0}),
                model("b", "w", new float[] {0, 1}));
        assertArrayEquals(new float[] {0, 0}, run(method("model_stock"), orthogonal, 0).get("w"), EPS);
        var pool = pool(model("_pretrained_", "w", new float[] {0, 0}), model("a", "w", new float[] {1, 0}),
                model("b", "w", new float[] {1, 1}));
        // cos = 1/√2, t = 2cos/(cos + 1) = 0.8284271; avg = [1, 0.5]
        assertArrayEquals(new float[] {0.8284271f, 0.41421356f}, run(method("model_stock"), pool, 0).get("w"), 1e-6f);
        assertArrayEquals(new float[] {1, 0.5f}, run(method("model_stock", "ignore_keys", "[w]"), pool, 0).get("w"), EPS);
    }

    @Test
    void slerpEndpointsAndMidpoint() {
        var pool = pool(model("x", "w", new float[] {1, 0}), model("y", "w", new float[] {0, 2}));
        assertArrayEquals(new float[] {1, 0}, run(method("slerp", "t", 0), pool, 0).get("w"), EPS);
        assertArrayEquals(new float[] {0, 2}, run(method("slerp", "t", 1), pool, 0).get("w"), EPS);
        // Ω = π/2: weights sin(π/4) on the unnormalized originals
        assertArrayEquals(new float[] {0.70710677f, 1.4142135f}, run(method("slerp"), pool, 0).get("w"), EPS);
        var parallel = pool(model("x", "w", new float[] {1, 1}), model("y", "w", new float[] {3, 3}));
        assertArrayEquals(new float[] {2, 2}, run(method("slerp/slerp"), parallel, 0).get("w"), EPS);
        assertThrows(UserInputException.class, () -> method("slerp").plan(pool(model("x", "w", new float[] {1})), 0));
    }

    @Test
    void dummyReturnsPretrainedElseFirst() {
        var withBase = pool(model("_pretrained_", "w", new float[] {7}), model("a", "w", new float[] {1}));
        assertArrayEquals(new float[] {7}, run(method("dummy"), withBase, 0).get("w"), 0f);
        assertArrayEquals(new float[] {1}, run(method("dummy"), pool(model("a", "w", new float[] {1})), 0).get("w"), 0f);
    }

    @Test
    void integerTensorsPassThroughFromTheBase() {
        Tensor ids = Tensor.allocate(Arena.global(), DType.I64, Shape.of(2));
        ids.setFloat(0, 5);
        ids.setFloat(1, 9);
        Tensor other = Tensor.allocate(Arena.global(), DType.I64, Shape.of(2));
        var base = new InMemoryModelSource("_pretrained_", Map.of("ids", ids, "w", Pools.vector(0)));
        var a = new InMemoryModelSource("a", Map.of("ids", other, "w", Pools.vector(1)));
        List<TensorJob> jobs = method("task_arithmetic").plan(pool(base, a), 0);
        TensorJob idsJob = jobs.stream().filter(j -> j.outputName().equals("ids")).findFirst().orElseThrow();
        assertEquals(DType.I64, idsJob.outputDType());
        assertArrayEquals(new float[] {5, 9}, Pools.run(List.of(idsJob)).get("ids"), 0f);
    }

    @Test
    void shapeMismatchNamesModelAndTensor() {
        var pool = pool(model("_pretrained_", "w", new float[] {0, 0}), model("a", "w", new float[] {1, 2, 3}));
        var error = assertThrows(UserInputException.class, () -> run(method("task_arithmetic"), pool, 0));
        assertTrue(error.getMessage().contains("'w'") && error.getMessage().contains("'a'"), error.getMessage());
    }

    @Test
    void emrBuildsMaskedRescaledTaskModels() {
        // Σ = [3, 2, -2, 0] so γ = [+, +, -, -]; mask1 = [1,0,0,0], mask2 = [1,1,1,1]; τ_uni = [2, 3, -2, -1]
        // r1 = (4/4)/(2/4) = 2, r2 = (7/4)/(8/4) = 0.875
        var pool = pool(model("_pretrained_", "w", new float[4]), model("a", "w", new float[] {2, -1, 0, 1}),
                model("b", "w", new float[] {1, 3, -2, -1}));
        var emr = (PerTaskFusionAlgorithm) method("emr_merging");
        assertArrayEquals(new float[] {4, 0, 0, 0}, run(emr.planForTask(pool, 0, 0)).get("w"), EPS);
        assertArrayEquals(new float[] {1.75f, 2.625f, -1.75f, -0.875f}, run(emr.planForTask(pool, 0, 1)).get("w"), EPS);
        assertThrows(UserInputException.class, () -> emr.plan(pool, 0));
    }
}

package amalgam.mergekit.method;

import amalgam.tensor.kernel.CounterRng;
import static amalgam.mergekit.method.Requests.f;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.UserInputException;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import org.junit.jupiter.api.Test;

/** Spec §6 conformance checks C5–C21 on tiny float32 tensors. */
class MethodConformanceTest {
    /**
     * Absolute, per element: the spec gives expected values to 6 decimals (rounding error up to 5e-7), and float32
     * results of magnitude up to ~2 carry at most a few 1e-7 of round-off; a real mistake is off by far more.
     */
    private static final float TOLERANCE = 1e-6f;

    private static void assertValues(float[] expected, float[] actual) {
        assertArrayEquals(expected, actual, TOLERANCE);
    }

    @Test
    void c5Linear() {
        assertValues(f(2.5, 5), Requests.of("linear").model(f(1, 2), "weight", 1).model(f(3, 6), "weight", 3).values());
        assertValues(f(10, 20), Requests.of("linear").model(f(1, 2), "weight", 1).model(f(3, 6), "weight", 3)
                .set("normalize", 0).values());
        float[] bf16 = Requests.of("linear").precision(DType.BF16).model(f(1), "weight", 0.3).model(f(0), "weight", 0.7).values();
        assertEquals(0.30078125f, bf16[0], 0f);
    }

    @Test
    void c6Slerp() {
        assertValues(f(0.707107, 0.707107), Requests.of("slerp").base(1, 0).model(f(0, 1)).set("t", 0.5).values());
        assertValues(f(0.923880, 0.382683), Requests.of("slerp").base(1, 0).model(f(0, 1)).set("t", 0.25).values());
        assertValues(f(1.414214, 0.707107), Requests.of("slerp").base(2, 0).model(f(0, 1)).set("t", 0.5).values());
        assertValues(f(1.25, 2.5), Requests.of("slerp").base(1, 2).model(f(2, 4)).set("t", 0.25).values());
        assertValues(f(0, 0), Requests.of("slerp").base(1, 0).model(f(-1, 0)).set("t", 0.5).values());
        assertValues(f(1.414214, 0), Requests.of("slerp").base(0, 0).model(f(2, 0)).set("t", 0.5).values());
    }

    @Test
    void c6SlerpRejectsThreeModels() {
        assertThrows(UserInputException.class, () -> Requests.of("slerp").base(1, 0).model(f(0, 1)).model(f(1, 1))
                .set("t", 0.5).merge());
    }

    @Test
    void c7Nuslerp() {
        assertValues(f(0.923880, 0.382683), Requests.of("nuslerp").model(f(1, 0), "weight", 3).model(f(0, 1), "weight", 1).values());
        Shape square = Shape.of(2, 2);
        assertValues(f(0.707107, 0.707107, 1, 0), Requests.of("nuslerp").model(square, f(1, 0, 1, 0), "weight", 1)
                .model(square, f(0, 1, 1, 0), "weight", 1).set("nuslerp_flatten", 0).values());
        assertValues(f(0.577350, 0.577350, 1.154701, 0), Requests.of("nuslerp").model(square, f(1, 0, 1, 0), "weight", 1)
                .model(square, f(0, 1, 1, 0), "weight", 1).values());
        // weights summing to ~0 -> t = 0.5
        assertValues(f(0.707107, 0.707107), Requests.of("nuslerp").model(f(1, 0), "weight", -0.5).model(f(0, 1), "weight", 0.5).values());
    }

    @Test
    void c7NuslerpWithBaseWorksOnTaskVectors() {
        assertValues(f(1.707107, 1.707107), Requests.of("nuslerp").base(1, 1).model(f(2, 1), "weight", 1)
                .model(f(1, 2), "weight", 1).values());
    }

    @Test
    void c8Multislerp() {
        assertValues(f(0.948683, 0.316228), Requests.of("multislerp").model(f(1, 0), "weight", 3).model(f(0, 1), "weight", 1).values());
        assertValues(f(1.060660, 1.060660), Requests.of("multislerp").model(f(2, 0), "weight", 1).model(f(0, 1), "weight", 1).values());
    }

    @Test
    void multislerpWithOnlyTheBaseFails() {
        assertThrows(UserInputException.class, () -> Requests.of("multislerp").base(1, 0).merge());
    }

    @Test
    void c9Karcher() {
        assertValues(f(1.060660, 1.060660), Requests.of("karcher").model(f(2, 0)).model(f(0, 1)).values());
        assertValues(f(0.769800, 0.769800, 0.769800), Requests.of("karcher").model(f(1, 0, 0)).model(f(0, 1, 0)).model(f(0, 0, 2)).values());
    }

    @Test
    void c10Ties() {
        Requests ties = Requests.of("ties").base(1, 1, 1, 1)
                .model(f(2, -1, 1.5, -2), "weight", 1.0, "density", 0.5)
                .model(f(3, 2, 0.75, 5), "weight", 0.5, "density", 0.5);
        assertValues(f(3, -1, 1, -2), ties.values());
        assertValues(f(2, -1, 1, -2), ties.set("normalize", 0).values());
        assertValues(f(2.333333, -1, 1.5, -2), Requests.of("ties").base(1, 1, 1, 1)
                .model(f(2, -1, 1.5, -2), "weight", 1.0, "density", 1)
                .model(f(3, 2, 0.75, 5), "weight", 0.5, "density", 1).values());
    }

    @Test
    void c11DensityRounding() {
        float[] delta = new float[100];
        for (int i = 0; i < 100; i++) {
            delta[i] = i + 1;
        }
        float[] kept = Sparsifier.MAGNITUDE.apply(delta, Shape.of(100), settings(0.29), null, "t");
        assertEquals(28, count(kept));
        assertEquals(1, count(Sparsifier.MAGNITUDE.apply(f(1, 2, 3, 4), Shape.of(4), settings(0.3), null, "t")));
        assertThrows(UserInputException.class,
                () -> Sparsifier.MAGNITUDE.apply(f(1, 2, 3, 4), Shape.of(4), settings(0.2), null, "t"));
    }

    @Test
    void c12TaskArithmetic() {
        assertValues(f(2, 4), Requests.of("task_arithmetic").base(1, 2).model(f(2, 2), "weight", 1).model(f(1, 4), "weight", 1).values());
        assertValues(f(3, 6), Requests.of("task_arithmetic").base(1, 2).model(f(2, 2), "weight", 1).model(f(1, 4), "weight", 1)
                .set("lambda", 2).values());
        assertValues(f(1.5, 3), Requests.of("task_arithmetic").base(1, 2).model(f(2, 2), "weight", 1).model(f(1, 4), "weight", 1)
                .set("normalize", 1).values());
    }

    @Test
    void c12WrongShapedModelIsDroppedForThatTensor() {
        float[] out = Requests.of("task_arithmetic").base(1, 2).model(f(2, 2), "weight", 1)
                .model(Shape.of(3), f(9, 9, 9), "weight", 1).values();
        assertValues(f(2, 2), out);
    }

    @Test
    void c14Breadcrumbs() {
        float[] delta = f(0.1, -0.9, 0.5, 0.3, -0.7, 1.0, 0.2, -0.4, 0.8, 0.6);
        assertValues(f(0, -0.9, 0.5, 0, -0.7, 0, 0, 0, 0.8, 0.6),
                Sparsifier.MAGNITUDE_OUTLIERS.apply(delta, Shape.of(10), new Sparsifier.Settings(0.5, 0.1, 0, false), null, "t"));
        assertValues(f(0.1, -0.9, 0.5, 0.3, -0.7, 0, 0.2, -0.4, 0.8, 0.6),
                Sparsifier.MAGNITUDE_OUTLIERS.apply(delta, Shape.of(10), new Sparsifier.Settings(0.9, 0.2, 0, false), null, "t"));
        // quirk: int(gamma * numel) = 0 empties the slice -> output is the base
        assertValues(f(1, 1, 1, 1), Requests.of("breadcrumbs").base(1, 1, 1, 1).model(f(2, 3, 4, 5), "weight", 1, "density", 0.5).values());
    }

    @Test
    void c15DellaKeepProbabilities() {
        float[] row = f(0.1, -0.4, 0.3, 0.2);
        double[] expected = {0.35, 0.65, 0.55, 0.45};
        int draws = 200_000;
        int[] kept = new int[4];
        for (int d = 0; d < draws; d++) {
            float[] out = Sparsifier.DELLA_MAGPRUNE.apply(row, Shape.of(4), new Sparsifier.Settings(0.5, 0, 0.15, false),
                    CounterRng.of(d, "w", 0), "t");
            for (int i = 0; i < 4; i++) {
                kept[i] += out[i] != 0 ? 1 : 0;
            }
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], kept[i] / (double) draws, 0.004);
        }
    }

    @Test
    void c15DellaErrors() {
        Sparsifier.Settings tooDense = new Sparsifier.Settings(0.9, 0, 0.15, true);
        assertThrows(UserInputException.class, () -> Sparsifier.DELLA_MAGPRUNE.apply(f(1, 2, 3), Shape.of(3), tooDense,
                CounterRng.of(0, "w", 0), "t"));
        assertValues(f(1, 2, 3), Sparsifier.DELLA_MAGPRUNE.apply(f(1, 2, 3), Shape.of(3),
                new Sparsifier.Settings(1, 0, 0.15, true), CounterRng.of(0, "w", 0), "t"));
        assertThrows(UserInputException.class, () -> Sparsifier.DELLA_MAGPRUNE.apply(f(2, 1), Shape.of(2, 1),
                new Sparsifier.Settings(0.5, 0, 0.15, true), CounterRng.of(0, "w", 0), "t"));
    }

    @Test
    void c16Sce() {
        assertValues(f(1.416667, 2, 3, 1), Requests.of("sce").base(0, 0, 0, 0).model(f(1, -2, 3, 0)).model(f(2, 2, -1, 1)).values());
        assertValues(f(0, 2, 3, 0), Requests.of("sce").base(0, 0, 0, 0).model(f(1, -2, 3, 0)).model(f(2, 2, -1, 1))
                .set("select_topk", 0.5).values());
    }

    @Test
    void c17ModelStock() {
        assertValues(f(1.828427, 1.414214), Requests.of("model_stock").base(1, 1).model(f(2, 2)).model(f(2, 1)).values());
        assertValues(f(1, 1), Requests.of("model_stock").base(1, 1).model(f(2, 1)).model(f(1, 2)).values());
        assertValues(f(0.840990, 0.280330, 0.280330), Requests.of("model_stock").base(0, 0, 0)
                .model(f(1, 0, 0)).model(f(1, 1, 0)).model(f(1, 0, 1)).values());
    }

    @Test
    void c18Nearswap() {
        assertArrayEquals(f(1.0005, 1.001, 1.001),
                Requests.of("nearswap").base(1, 1, 1).model(f(1.0005, 1.01, 2)).set("t", 0.001).values(), TOLERANCE);
    }

    @Test
    void c19ArceeFusion() {
        assertValues(f(0, 0, 0, 0, 10), Requests.of("arcee_fusion").base(0, 0, 0, 0, 0).model(f(1, 2, 3, 4, 10)).values());
    }

    @Test
    void c20Ram() {
        assertValues(f(2, 2, -1, 0), Requests.of("ram").base(0, 0, 0, 0).model(f(1, 2, 0, 0)).model(f(3, 0, -1, 0)).values());
        assertValues(f(2, 2.04, -1.02, 0), Requests.of("ramplus_tl").base(0, 0, 0, 0).model(f(1, 2, 0, 0)).model(f(3, 0, -1, 0)).values());
    }

    @Test
    void c21EmbeddingsOfDifferentSizes() {
        Shape small = Shape.of(4, 2);
        Shape large = Shape.of(5, 2);
        float[] four = f(1, 1, 1, 1, 1, 1, 1, 1);
        float[] five = f(2, 2, 2, 2, 2, 2, 2, 2, 3, 3);
        MergedTensor ta = Requests.of("task_arithmetic").embed("model.embed_tokens.weight").baseShaped(small, four)
                .model(large, five, "weight", 1).merge();
        assertEquals(small, ta.shape());
        assertValues(f(2, 2, 2, 2, 2, 2, 2, 2), ta.values());
        MergedTensor linear = Requests.of("linear").embed("lm_head.weight").model(small, four, "weight", 1)
                .model(large, five, "weight", 1).merge();
        assertEquals(small, linear.shape());
        assertThrows(UserInputException.class, () -> Requests.of("task_arithmetic").embed("model.embed_tokens.weight")
                .baseShaped(large, five).model(small, four, "weight", 1).merge());
        assertThrows(UserInputException.class, () -> Requests.of("linear").model(small, four, "weight", 1)
                .model(large, five, "weight", 1).merge());
    }

    @Test
    void passthroughScalesAndRejectsSeveralInputs() {
        assertValues(f(2, 4), Requests.of("passthrough").model(f(1, 2), "scale", 2).values());
        assertValues(f(1, 2), Requests.of("passthrough").model(f(1, 2)).values());
        assertThrows(UserInputException.class, () -> Requests.of("passthrough").model(f(1)).model(f(2)).merge());
    }

    @Test
    void unknownMethodIsAUserError() {
        assertThrows(UserInputException.class, () -> MergekitMethods.get("frobnicate"));
    }

    private static Sparsifier.Settings settings(double density) {
        return new Sparsifier.Settings(density, 0, 0, false);
    }

    private static int count(float[] values) {
        int n = 0;
        for (float value : values) {
            n += value != 0 ? 1 : 0;
        }
        return n;
    }
}

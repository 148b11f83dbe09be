package amalgam.mergekit.method;

import amalgam.tensor.kernel.CounterRng;
import static amalgam.mergekit.method.Requests.f;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.tensor.Shape;
import org.junit.jupiter.api.Test;

/** C13: DARE properties (the RNG cannot match torch's, so the checks are properties). */
class DareTest {
    @Test
    void l1RescaleUsesOneCommonFactor() {
        assertArrayEquals(f(2.5, 0, 7.5, 0), Sparsifier.masked(f(1, 2, 3, 4), new boolean[] {true, false, true, false}, true), 1e-6f);
        assertArrayEquals(f(1, 0, 3, 0), Sparsifier.masked(f(1, 2, 3, 4), new boolean[] {true, false, true, false}, false), 0f);
    }

    @Test
    void keptFractionApproachesDensityAndL1IsPreserved() {
        int n = 100_000;
        float[] delta = new float[n];
        for (int i = 0; i < n; i++) {
            delta[i] = (float) Math.sin(i) + 0.01f;
        }
        float[] sparse = Sparsifier.RANDOM.apply(delta, Shape.of(n), new Sparsifier.Settings(0.3, 0, 0, true),
                CounterRng.of(7, "model.layers.0.mlp.up_proj.weight", 1), "t");
        double before = 0;
        double after = 0;
        int kept = 0;
        double factor = Double.NaN;
        for (int i = 0; i < n; i++) {
            before += Math.abs(delta[i]);
            after += Math.abs(sparse[i]);
            if (sparse[i] != 0) {
                kept++;
                double ratio = sparse[i] / delta[i];
                if (Double.isNaN(factor)) {
                    factor = ratio;
                }
                assertEquals(factor, ratio, 1e-5 * factor);
            }
        }
        assertEquals(0.3, kept / (double) n, 0.01);
        assertEquals(before, after, 1e-3 * before);
    }

    @Test
    void densityOneReducesToTaskArithmeticAndTies() {
        Requests dare = Requests.of("dare_linear").base(1, 1, 1).model(f(2, 0, 3), "weight", 0.5).model(f(0, 2, 2), "weight", 1);
        Requests ta = Requests.of("task_arithmetic").base(1, 1, 1).model(f(2, 0, 3), "weight", 0.5).model(f(0, 2, 2), "weight", 1);
        assertArrayEquals(ta.values(), dare.values(), 0f);
        Requests dareTies = Requests.of("dare_ties").base(1, 1, 1).model(f(2, 0, 3), "weight", 0.5).model(f(0, 2, 2), "weight", 1);
        Requests ties = Requests.of("ties").base(1, 1, 1).model(f(2, 0, 3), "weight", 0.5).model(f(0, 2, 2), "weight", 1)
                .set("normalize", 0);
        assertArrayEquals(ties.values(), dareTies.values(), 0f);
    }

    @Test
    void sameSeedSameOutputDifferentSeedDifferentMask() {
        float[] base = new float[64];
        float[] model = new float[64];
        for (int i = 0; i < 64; i++) {
            model[i] = i + 1;
        }
        Requests dare = Requests.of("dare_ties").base(base).model(model, "weight", 1, "density", 0.5);
        MergeRequest request = dare.request(3);
        float[] first = MergekitMethods.get("dare_ties").merge(request).values();
        float[] second = MergekitMethods.get("dare_ties").merge(request).values();
        assertArrayEquals(first, second, 0f);
        float[] other = MergekitMethods.get("dare_ties").merge(dare.request(4)).values();
        boolean differs = false;
        for (int i = 0; i < 64; i++) {
            differs |= (first[i] == 0) != (other[i] == 0);
        }
        assertEquals(true, differs);
    }
}

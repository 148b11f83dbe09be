package amalgam.fusion.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * Sparse WEMoE's pruning: torch.quantile's linear interpolation on |x| (values computed by hand: torch gives the same)
 * and the strict comparison that keeps only larger magnitudes.
 */
class QuantilePruningTest {
    @Test
    void theQuantileInterpolatesLinearlyBetweenSortedMagnitudes() {
        float[] values = {-1, 2, -3, 4, 5, -6, 7, 8, -9, 10};
        // rank 0.9 · 9 = 8.1: |x| sorted 1..10, 9 + 0.1 · (10 − 9)
        assertEquals(9.1f, QuantilePruning.quantileOfMagnitudes(values, 0.9f), 1e-6f);
        assertEquals(1f, QuantilePruning.quantileOfMagnitudes(values, 0f), 0f);
        assertEquals(10f, QuantilePruning.quantileOfMagnitudes(values, 1f), 0f);
        assertEquals(5.5f, QuantilePruning.quantileOfMagnitudes(values, 0.5f), 1e-6f);
    }

    @Test
    void pruningKeepsOnlyMagnitudesAboveTheQuantile() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor tensor = Tensor.allocate(arena, DType.F32, Shape.of(2, 5));
            float[] values = {-1, 2, -3, 4, 5, -6, 7, 8, -9, 10};
            for (int i = 0; i < values.length; i++) {
                tensor.setFloat(i, values[i]);
            }
            QuantilePruning.pruneInPlace(tensor, 0.5);
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, -6, 7, 8, -9, 10}, tensor.toFloatArray());
            QuantilePruning.pruneInPlace(tensor, 0.0); // quantile 0 is the smallest |x| (0 here): strict, so all non-zeros stay
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, -6, 7, 8, -9, 10}, tensor.toFloatArray());
        }
    }
}

package amalgam.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class TensorOpsTest {
    @Test
    void arithmeticOnSmallTensors() {
        Tensor a = Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.ofFloats(new float[] {6, 5, 4, 3, 2, 1}, 2, 3);
        Tensor out = Tensor.ofFloats(new float[6], 2, 3);
        TensorOps.add(a, b, out);
        assertArrayEquals(new float[] {7, 7, 7, 7, 7, 7}, out.toFloatArray());
        TensorOps.subtract(a, b, out);
        assertArrayEquals(new float[] {-5, -3, -1, 1, 3, 5}, out.toFloatArray());
        TensorOps.multiply(a, b, out);
        assertArrayEquals(new float[] {6, 10, 12, 12, 10, 6}, out.toFloatArray());
        TensorOps.scale(a, 0.5f, out);
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3}, out.toFloatArray());
        TensorOps.axpyInPlace(2f, a, out);
        assertArrayEquals(new float[] {2.5f, 5, 7.5f, 10, 12.5f, 15}, out.toFloatArray());
        assertEquals(21.0, TensorOps.sum(a));
        assertEquals(56.0, TensorOps.dot(a, b));
    }

    @Test
    void mismatchesNameShapesAndDtypes() {
        Tensor a = Tensor.ofFloats(new float[6], 2, 3);
        Tensor b = Tensor.ofFloats(new float[6], 3, 2);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> TensorOps.add(a, b, a));
        assertTrue(error.getMessage().contains("[2, 3]") && error.getMessage().contains("[3, 2]"), error.getMessage());
        try (Arena arena = Arena.ofConfined()) {
            Tensor half = Tensor.allocate(arena, DType.BF16, Shape.of(2, 3));
            assertThrows(IllegalArgumentException.class, () -> TensorOps.add(a, half, a));
        }
    }
}

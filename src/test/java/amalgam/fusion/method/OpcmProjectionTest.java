package amalgam.fusion.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.linalg.Svd;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The OPCM update is orthogonal to every singular pair of the previous merge, and to its protected block. */
class OpcmProjectionTest {
    private static Tensor random(Random random, int rows, int cols) {
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(values, rows, cols);
    }

    @Test
    void projectedUpdateHasNoComponentOnTheDiagonalOrTheProtectedBlock() {
        Random random = new Random(1);
        for (int[] shape : new int[][] {{6, 4}, {4, 6}, {5, 5}}) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor previous = amalgam.merge.F32.copyOf(random(random, shape[0], shape[1]), arena);
                Tensor tau = amalgam.merge.F32.copyOf(random(random, shape[0], shape[1]), arena);
                Tensor projected = Opcm.project(previous, tau, 0.5, arena);
                Svd svd = LinearAlgebra.svd(arena, Matrix.of(previous));
                Matrix q = LinearAlgebra.multiply(arena, LinearAlgebra.multiply(arena, transpose(svd.u(), arena),
                        Matrix.of(projected)), transpose(svd.vt(), arena));
                float[] s = svd.singularValues();
                double total = 0;
                for (float v : s) {
                    total += v;
                }
                int split = 0;
                double cumulative = 0;
                for (int i = 0; i < s.length; i++) {
                    cumulative += s[i];
                    if (cumulative / total > 0.5) {
                        split = i;
                        break;
                    }
                }
                for (int i = 0; i < s.length; i++) {
                    assertEquals(0, q.get(i, i), 1e-5);
                    for (int j = 0; j < split; j++) {
                        if (i < split) {
                            assertEquals(0, q.get(i, j), 1e-5);
                        }
                    }
                }
            }
        }
    }

    private static Matrix transpose(Matrix a, Arena arena) {
        Matrix t = Matrix.allocate(arena, a.cols(), a.rows());
        for (long i = 0; i < a.rows(); i++) {
            for (long j = 0; j < a.cols(); j++) {
                t.set(j, i, a.get(i, j));
            }
        }
        return t;
    }
}

package amalgam.fusion.method;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.linalg.Svd;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/** Float32 SVD building blocks shared by TSV-M, ISO-C/ISO-CTS and OPCM. */
final class SvdSteps {
    private SvdSteps() {
    }

    static Matrix matrix(Tensor tensor) {
        return Matrix.of(tensor);
    }

    /** The orthogonal polar factor of A = U S Vᵀ: U Vᵀ (same shape as A). */
    static Matrix polarFactor(Arena arena, Matrix a) {
        Svd svd = LinearAlgebra.svd(arena, a);
        return LinearAlgebra.multiply(arena, svd.u(), svd.vt());
    }

    /** U diag(s) Vt for U [m,k], s [k], Vt [k,n]. */
    static Matrix compose(Arena arena, Matrix u, float[] s, Matrix vt) {
        Matrix scaled = Matrix.allocate(arena, u.rows(), u.cols());
        for (long i = 0; i < u.rows(); i++) {
            for (int j = 0; j < s.length; j++) {
                scaled.set(i, j, u.get(i, j) * s[j]);
            }
        }
        return LinearAlgebra.multiply(arena, scaled, vt);
    }

    /** Copies columns [0, count) of {@code from} into columns [at, at + count) of {@code to}. */
    static void copyColumns(Matrix from, Matrix to, int count, int at) {
        for (long i = 0; i < from.rows(); i++) {
            for (int j = 0; j < count; j++) {
                to.set(i, at + j, from.get(i, j));
            }
        }
    }

    /** Copies rows [0, count) of {@code from} into rows [at, at + count) of {@code to}. */
    static void copyRows(Matrix from, Matrix to, int count, int at) {
        for (int i = 0; i < count; i++) {
            for (long j = 0; j < from.cols(); j++) {
                to.set(at + i, j, from.get(i, j));
            }
        }
    }

    static boolean isMatrix(Tensor tensor) {
        return tensor.shape().rank() == 2;
    }
}

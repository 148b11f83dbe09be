package amalgam.linalg;

import java.lang.foreign.Arena;
import java.util.Random;

/**
 * Test helpers: seeded random matrices and naive reference computations carried out in double precision, so the
 * reference's own round-off is negligible next to the float32 result being checked.
 */
final class Matrices {
    /**
     * Float32 unit round-off u = 2^-24 ~ 6e-8. Backward-stable BLAS/LAPACK routines on n x n inputs err by about
     * c * n * u relative to the input's norm, with c a small constant; for the sizes tested here (n <= ~100)
     * that is a few 1e-6, so 2e-5 relative leaves margin without hiding real bugs (an indexing error gives O(1)).
     */
    static final double F32_TOLERANCE = 2e-5;
    /** Float64: u = 2^-53 ~ 1.1e-16; the same reasoning gives ~1e-14, with margin 1e-12. */
    static final double F64_TOLERANCE = 1e-12;

    private Matrices() {
    }

    static Matrix random(Arena arena, long rows, long cols, long seed) {
        Random random = new Random(seed);
        Matrix m = Matrix.allocate(arena, rows, cols);
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                m.set(i, j, (float) (2 * random.nextDouble() - 1));
            }
        }
        return m;
    }

    static MatrixD randomD(Arena arena, long rows, long cols, long seed) {
        Random random = new Random(seed);
        MatrixD m = MatrixD.allocate(arena, rows, cols);
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                m.set(i, j, 2 * random.nextDouble() - 1);
            }
        }
        return m;
    }

    static double[][] toArray(Matrix m) {
        double[][] result = new double[(int) m.rows()][(int) m.cols()];
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                result[i][j] = m.get(i, j);
            }
        }
        return result;
    }

    static double[][] toArray(MatrixD m) {
        double[][] result = new double[(int) m.rows()][(int) m.cols()];
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                result[i][j] = m.get(i, j);
            }
        }
        return result;
    }

    static Matrix fromArray(Arena arena, double[][] values, int cols) {
        Matrix m = Matrix.allocate(arena, values.length, cols);
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, (float) values[i][j]);
            }
        }
        return m;
    }

    static double[][] transpose(double[][] a, int cols) {
        double[][] t = new double[cols][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < cols; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    /** The naive triple loop: [m,k] x [k,n]. */
    static double[][] multiply(double[][] a, double[][] b, int m, int k, int n) {
        double[][] c = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a[i][p] * b[p][j];
                }
                c[i][j] = sum;
            }
        }
        return c;
    }

    static double[][] scaleColumns(double[][] a, double[] scale) {
        double[][] result = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            result[i] = a[i].clone();
            for (int j = 0; j < scale.length; j++) {
                result[i][j] *= scale[j];
            }
        }
        return result;
    }

    static double frobenius(double[][] a) {
        double sum = 0;
        for (double[] row : a) {
            for (double v : row) {
                sum += v * v;
            }
        }
        return Math.sqrt(sum);
    }

    /** max |a - b| over all entries. */
    static double maxDifference(double[][] a, double[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    /** max |Q^T Q - I| for the columns of q [rows, cols]. */
    static double orthonormalityError(double[][] q, int rows, int cols) {
        double max = 0;
        for (int a = 0; a < cols; a++) {
            for (int b = 0; b < cols; b++) {
                double dot = 0;
                for (int i = 0; i < rows; i++) {
                    dot += q[i][a] * q[i][b];
                }
                max = Math.max(max, Math.abs(dot - (a == b ? 1 : 0)));
            }
        }
        return max;
    }

    static double[] toDoubles(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }
}

package amalgam.fusion.closedform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.UserInputException;
import amalgam.linalg.Matrix;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * RegMean's Gram statistics and merge rule against hand-derived cases. Tolerances: float32 Grams and products on
 * O(1) values over tens of rows, solved in float64, so 1e-4 relative to O(1) weights.
 */
class RegMeanRuleTest {
    private static final int IN = 4;
    private static final int OUT = 3;
    private static final int ROWS = 10;

    /** α = 1: W* = argmin_W Σᵢ ‖Xᵢ Wᵀ − Xᵢ Wᵢᵀ‖² over the stacked inputs (equal row counts, so token-averaging is a common factor). */
    @Test
    void fullGramsGiveTheLeastSquaresSolutionOfTheStackedInputs() {
        SplittableRandom random = new SplittableRandom(7);
        List<double[][]> inputs = new ArrayList<>();
        List<Tensor> weights = new ArrayList<>();
        List<Matrix> grams = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (int model = 0; model < 3; model++) {
                double[][] x = gaussian(random, ROWS, IN);
                inputs.add(x);
                weights.add(Tensor.ofFloats(toFloats(gaussian(random, OUT, IN)), OUT, IN));
                LinearGrams statistics = new LinearGrams(arena);
                // two batches of rows: the Gram is the mean over all rows seen
                statistics.add("fc", new Matrix(4, IN, Tensor.ofFloats(toFloats(rows(x, 0, 4)), 4, IN).data()));
                statistics.add("fc", new Matrix(ROWS - 4, IN, Tensor.ofFloats(toFloats(rows(x, 4, ROWS)), ROWS - 4, IN).data()));
                assertEquals(ROWS, statistics.rows("fc"));
                grams.add(statistics.gram("fc", arena));
            }
            float[] merged = RegMeanRule.merge(grams, weights, 1.0, arena).toFloatArray();
            double[][] expected = leastSquares(inputs, weights);
            for (int o = 0; o < OUT; o++) {
                for (int i = 0; i < IN; i++) {
                    assertEquals(expected[o][i], merged[o * IN + i], 1e-4, "W[" + o + "][" + i + "]");
                }
            }
        }
    }

    /**
     * α = 0.5, by hand: G̃₁ = [[2, .5], [.5, 1]] from G₁ = [[2, 1], [1, 1]], G̃₂ = G₂ = [[1, 0], [0, 3]], W₁ = [1, 0],
     * W₂ = [0, 1]. Σ G̃ = [[3, .5], [.5, 4]] (det 11.75), Σ G̃ Wᵀ = [2, 3.5]ᵀ, so Wᵀ = [6.25, 9.5]ᵀ / 11.75 = [25/47, 38/47]ᵀ.
     */
    @Test
    void reducedOffDiagonalsMatchAHandDerivedCase() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix g1 = new Matrix(2, 2, Tensor.ofFloats(new float[] {2, 1, 1, 1}, 2, 2).data());
            Matrix g2 = new Matrix(2, 2, Tensor.ofFloats(new float[] {1, 0, 0, 3}, 2, 2).data());
            Tensor merged = RegMeanRule.merge(List.of(g1, g2),
                    List.of(Tensor.ofFloats(new float[] {1, 0}, 1, 2), Tensor.ofFloats(new float[] {0, 1}, 1, 2)), 0.5, arena);
            assertArrayEquals(new float[] {25f / 47, 38f / 47}, merged.toFloatArray(), 1e-6f);
            assertEquals(List.of(1L, 2L), List.of(merged.shape().dim(0), merged.shape().dim(1)));
        }
    }

    /** α = 0 keeps only the diagonals: each input coordinate's column is the Gram-diagonal-weighted mean. */
    @Test
    void zeroRatioIsADiagonallyWeightedMean() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix g1 = new Matrix(2, 2, Tensor.ofFloats(new float[] {1, 5, 5, 1}, 2, 2).data());
            Matrix g2 = new Matrix(2, 2, Tensor.ofFloats(new float[] {3, -2, -2, 1}, 2, 2).data());
            Tensor merged = RegMeanRule.merge(List.of(g1, g2),
                    List.of(Tensor.ofFloats(new float[] {4, 2}, 1, 2), Tensor.ofFloats(new float[] {0, 6}, 1, 2)), 0.0, arena);
            assertArrayEquals(new float[] {(1 * 4 + 3 * 0) / 4f, (1 * 2 + 1 * 6) / 2f}, merged.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void linearsReadingOneInputShareItsGram() {
        try (Arena arena = Arena.ofConfined()) {
            LinearGrams grams = new LinearGrams(arena);
            amalgam.nn.Var x = amalgam.nn.Var.constant(Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 1, 3, 2));
            grams.observe("q", x);
            grams.observe("k", x);
            grams.observe("out", amalgam.nn.Var.constant(Tensor.ofFloats(new float[] {1, 0}, 1, 1, 2)));
            assertEquals(List.of("q", "k", "out"), grams.linears());
            assertEquals("q", grams.siteOf("k"));
            assertEquals(3, grams.rows("k"));
            Matrix gram = grams.gram("k", arena);
            assertArrayEquals(new float[] {35 / 3f, 44 / 3f, 44 / 3f, 56 / 3f}, gram.asTensor().toFloatArray(), 1e-5f);
        }
    }

    @Test
    void aSingularGramIsABadInputNamingTheTensor() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix rankOne = new Matrix(2, 2, Tensor.ofFloats(new float[] {1, 1, 1, 1}, 2, 2).data());
            UserInputException error = assertThrows(UserInputException.class, () -> RegMeanRule.merge(List.of(rankOne),
                    List.of(Tensor.ofFloats(new float[] {1, 2}, 1, 2)), 1.0, arena));
            assertEquals(true, error.getMessage().contains("reduce_non_diagonal_ratio"), error.getMessage());
        }
    }

    /** Normal equations (Σ XᵢᵀXᵢ) Wᵀ = Σ XᵢᵀXᵢ Wᵢᵀ in float64, by Gauss-Jordan elimination with partial pivoting. */
    private static double[][] leastSquares(List<double[][]> inputs, List<Tensor> weights) {
        double[][] a = new double[IN][IN + OUT];
        for (int model = 0; model < inputs.size(); model++) {
            double[][] x = inputs.get(model);
            float[] w = weights.get(model).toFloatArray();
            for (double[] row : x) {
                double[] target = new double[OUT];
                for (int o = 0; o < OUT; o++) {
                    for (int i = 0; i < IN; i++) {
                        target[o] += row[i] * w[o * IN + i];
                    }
                }
                for (int r = 0; r < IN; r++) {
                    for (int c = 0; c < IN; c++) {
                        a[r][c] += row[r] * row[c];
                    }
                    for (int o = 0; o < OUT; o++) {
                        a[r][IN + o] += row[r] * target[o];
                    }
                }
            }
        }
        for (int col = 0; col < IN; col++) {
            int pivot = col;
            for (int r = col + 1; r < IN; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] swap = a[col];
            a[col] = a[pivot];
            a[pivot] = swap;
            for (int r = 0; r < IN; r++) {
                if (r != col) {
                    double factor = a[r][col] / a[col][col];
                    for (int c = col; c < IN + OUT; c++) {
                        a[r][c] -= factor * a[col][c];
                    }
                }
            }
        }
        double[][] w = new double[OUT][IN];
        for (int i = 0; i < IN; i++) {
            for (int o = 0; o < OUT; o++) {
                w[o][i] = a[i][IN + o] / a[i][i];
            }
        }
        return w;
    }

    private static double[][] gaussian(SplittableRandom random, int rows, int cols) {
        double[][] values = new double[rows][cols];
        for (double[] row : values) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) random.nextGaussian();
            }
        }
        return values;
    }

    private static double[][] rows(double[][] values, int from, int to) {
        return java.util.Arrays.copyOfRange(values, from, to);
    }

    private static float[] toFloats(double[][] values) {
        float[] flat = new float[values.length * values[0].length];
        for (int r = 0; r < values.length; r++) {
            for (int c = 0; c < values[r].length; c++) {
                flat[r * values[r].length + c] = (float) values[r][c];
            }
        }
        return flat;
    }
}

package amalgam.cli;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Test-side reference forwards, in double precision, of a LLaMA MLP and of Mixtral's sparse MoE block as Hugging
 * Face computes them ({@code MixtralSparseMoeBlock}): router logits r = G x, p = softmax(r), the top-k experts by p,
 * their p renormalised to sum 1, output Σ pᵢ · expertᵢ(x) with expert(x) = w2 (silu(w1 x) ⊙ w3 x). Matrices are
 * row-major float arrays as stored: gate/up/w1/w3 [I, H], down/w2 [H, I], router [E, H].
 */
final class MoeReference {
    private MoeReference() {
    }

    /** One expert's weights: w1 (gate_proj), w2 (down_proj), w3 (up_proj). */
    record Expert(float[] w1, float[] w2, float[] w3) {
    }

    /** down(silu(gate x) ⊙ up x). */
    static double[] mlp(Expert expert, int hidden, double[] x) {
        int intermediate = expert.w1().length / hidden;
        double[] gate = matVec(expert.w1(), intermediate, hidden, x);
        double[] up = matVec(expert.w3(), intermediate, hidden, x);
        double[] product = new double[intermediate];
        for (int i = 0; i < intermediate; i++) {
            product[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        return matVec(expert.w2(), hidden, intermediate, product);
    }

    /** The sparse MoE block's output for one token {@code x}; equal probabilities go to the lower expert index. */
    static double[] sparseMoe(float[] router, Expert[] experts, int topK, int hidden, double[] x) {
        double[] logits = matVec(router, experts.length, hidden, x);
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] probabilities = Arrays.stream(logits).map(l -> Math.exp(l - max)).toArray();
        double sum = Arrays.stream(probabilities).sum();
        int[] chosen = IntStream.range(0, experts.length).boxed()
                .sorted(Comparator.comparingDouble((Integer e) -> -probabilities[e]).thenComparingInt(e -> e))
                .limit(topK).mapToInt(Integer::intValue).toArray();
        double kept = Arrays.stream(chosen).mapToDouble(e -> probabilities[e] / sum).sum();
        double[] out = new double[hidden];
        for (int e : chosen) {
            double weight = probabilities[e] / sum / kept;
            double[] y = mlp(experts[e], hidden, x);
            for (int i = 0; i < hidden; i++) {
                out[i] += weight * y[i];
            }
        }
        return out;
    }

    private static double[] matVec(float[] matrix, int rows, int columns, double[] x) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < columns; c++) {
                sum += matrix[r * columns + c] * x[c];
            }
            y[r] = sum;
        }
        return y;
    }
}

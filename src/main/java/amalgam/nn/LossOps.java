package amalgam.nn;

import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Losses over logits [N, C], returning a rank-0 mean over the batch.
 * <ul>
 *   <li>Cross-entropy with integer labels: mean_i (logsumexp(z_i) - z_i[y_i]); dz = (softmax(z) - onehot(y)) / N.</li>
 *   <li>Shannon entropy of the softmax (AdaMerging's objective, Yang et al. 2024): mean_i (-sum_c p_c ln(p_c + 1e-8));
 *       with a_c = dH/dp_c = -(ln(p_c + 1e-8) + p_c / (p_c + 1e-8)), dz_j = p_j (a_j - sum_c p_c a_c) / N.</li>
 * </ul>
 */
final class LossOps {
    static final double ENTROPY_EPSILON = 1e-8;

    private LossOps() {
    }

    static Var crossEntropy(Graph graph, Var logits, long[] labels) {
        int classes = checkLogits("crossEntropy", logits);
        long rows = logits.shape().dim(0);
        if (labels.length != rows) {
            throw new IllegalArgumentException("crossEntropy: " + labels.length + " labels for logits " + logits.shape());
        }
        for (long label : labels) {
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("crossEntropy: label " + label + " outside [0, " + classes + ")");
            }
        }
        Tensor logProbabilities = graph.allocate(logits.shape());
        SoftmaxOps.softmaxRows(logits.value().data(), logProbabilities.data(), 0, rows, classes, true);
        double total = 0;
        for (int i = 0; i < rows; i++) {
            total -= logProbabilities.getFloat(i * (long) classes + labels[i]);
        }
        Tensor out = graph.allocate(ReductionOps.SCALAR);
        out.setFloat(0, (float) (total / rows));
        return graph.record(out, grad -> {
            float g = grad.getFloat(0) / rows;
            MemorySegment target = graph.gradOf(logits).data();
            MemorySegment lp = logProbabilities.data();
            for (long i = 0; i < rows; i++) {
                for (long c = 0; c < classes; c++) {
                    long at = i * classes + c;
                    float p = (float) Math.exp(Floats.get(lp, at));
                    float d = (c == labels[(int) i] ? p - 1 : p) * g;
                    Floats.set(target, at, Floats.get(target, at) + d);
                }
            }
        }, logits);
    }

    /** mean |x − target|; d/dx = sign(x − target) / n (0 where equal, as torch's sign). */
    static Var l1(Graph graph, Var x, Tensor target) {
        if (!target.shape().equals(x.shape())) {
            throw new IllegalArgumentException("l1Loss: target " + target.shape() + " for input " + x.shape());
        }
        long n = x.value().elementCount();
        MemorySegment xs = x.value().data();
        MemorySegment ts = target.data();
        double total = 0;
        for (long i = 0; i < n; i++) {
            total += Math.abs(Floats.get(xs, i) - Floats.get(ts, i));
        }
        Tensor out = graph.allocate(ReductionOps.SCALAR);
        out.setFloat(0, (float) (total / n));
        return graph.record(out, grad -> {
            float g = grad.getFloat(0) / n;
            MemorySegment gradient = graph.gradOf(x).data();
            for (long i = 0; i < n; i++) {
                float d = Floats.get(xs, i) - Floats.get(ts, i);
                Floats.set(gradient, i, Floats.get(gradient, i) + Math.signum(d) * g);
            }
        }, x);
    }

    static Var entropy(Graph graph, Var logits) {
        int classes = checkLogits("entropy", logits);
        long rows = logits.shape().dim(0);
        Tensor probabilities = graph.allocate(logits.shape());
        SoftmaxOps.softmaxRows(logits.value().data(), probabilities.data(), 0, rows, classes, false);
        MemorySegment pd = probabilities.data();
        double total = 0;
        for (long at = 0; at < rows * classes; at++) {
            double p = Floats.get(pd, at);
            total -= p * Math.log(p + ENTROPY_EPSILON);
        }
        Tensor out = graph.allocate(ReductionOps.SCALAR);
        out.setFloat(0, (float) (total / rows));
        return graph.record(out, grad -> {
            double g = grad.getFloat(0) / (double) rows;
            MemorySegment target = graph.gradOf(logits).data();
            double[] a = new double[classes];
            for (long i = 0; i < rows; i++) {
                long base = i * classes;
                double mean = 0;
                for (int c = 0; c < classes; c++) {
                    double p = Floats.get(pd, base + c);
                    a[c] = -(Math.log(p + ENTROPY_EPSILON) + p / (p + ENTROPY_EPSILON));
                    mean += p * a[c];
                }
                for (int c = 0; c < classes; c++) {
                    double p = Floats.get(pd, base + c);
                    Floats.set(target, base + c, (float) (Floats.get(target, base + c) + g * p * (a[c] - mean)));
                }
            }
        }, logits);
    }

    private static int checkLogits(String op, Var logits) {
        Shape shape = logits.shape();
        if (shape.rank() != 2 || shape.dim(0) == 0) {
            throw new IllegalArgumentException(op + ": need logits [N, C] with N > 0, got " + shape);
        }
        return Math.toIntExact(shape.dim(1));
    }
}

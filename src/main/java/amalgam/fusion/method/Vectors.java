package amalgam.fusion.method;

import amalgam.tensor.Tensor;

/** Elementwise float32 helpers over F32 working tensors (flat indexing). */
final class Vectors {
    private Vectors() {
    }

    /** acc += scale * x. */
    static void addScaledInPlace(Tensor acc, Tensor x, float scale) {
        for (long i = 0, n = acc.elementCount(); i < n; i++) {
            acc.setFloat(i, acc.getFloat(i) + scale * x.getFloat(i));
        }
    }

    /** acc += x. */
    static void addInPlace(Tensor acc, Tensor x) {
        for (long i = 0, n = acc.elementCount(); i < n; i++) {
            acc.setFloat(i, acc.getFloat(i) + x.getFloat(i));
        }
    }

    /** x *= scale. */
    static void scaleInPlace(Tensor x, float scale) {
        for (long i = 0, n = x.elementCount(); i < n; i++) {
            x.setFloat(i, x.getFloat(i) * scale);
        }
    }

    /** Σ a·b accumulated in double. */
    static double dot(Tensor a, Tensor b) {
        double sum = 0;
        for (long i = 0, n = a.elementCount(); i < n; i++) {
            sum += (double) a.getFloat(i) * b.getFloat(i);
        }
        return sum;
    }
}

package amalgam.tensor;

import amalgam.tensor.kernel.F32Kernels;

/**
 * Tensor-level float32 arithmetic over {@link F32Kernels}: checks dtypes and shapes at the boundary, with messages
 * that name both shapes, then runs the kernel on the whole flat data. Outputs are caller-supplied and may be one of
 * the inputs.
 */
public final class TensorOps {
    private TensorOps() {
    }

    /** out = a + b. */
    public static void add(Tensor a, Tensor b, Tensor out) {
        same(a, b, out, "add");
        F32Kernels.add(a.data(), b.data(), out.data(), a.elementCount());
    }

    /** out = a - b. */
    public static void subtract(Tensor a, Tensor b, Tensor out) {
        same(a, b, out, "subtract");
        F32Kernels.subtract(a.data(), b.data(), out.data(), a.elementCount());
    }

    /** out = a * b (element-wise). */
    public static void multiply(Tensor a, Tensor b, Tensor out) {
        same(a, b, out, "multiply");
        F32Kernels.multiply(a.data(), b.data(), out.data(), a.elementCount());
    }

    /** out = a * s. */
    public static void scale(Tensor a, float s, Tensor out) {
        same(a, a, out, "scale");
        F32Kernels.scale(a.data(), s, out.data(), a.elementCount());
    }

    /** y += alpha * x (in place on y). */
    public static void axpyInPlace(float alpha, Tensor x, Tensor y) {
        same(x, y, y, "axpy");
        F32Kernels.axpyInPlace(alpha, x.data(), y.data(), x.elementCount());
    }

    /** Sum of all elements, accumulated in double. */
    public static double sum(Tensor a) {
        requireF32(a, "sum");
        return F32Kernels.sum(a.data(), a.elementCount());
    }

    /** Sum of a * b over all elements, accumulated in double. */
    public static double dot(Tensor a, Tensor b) {
        same(a, b, b, "dot");
        return F32Kernels.dot(a.data(), b.data(), a.elementCount());
    }

    private static void same(Tensor a, Tensor b, Tensor out, String op) {
        requireF32(a, op);
        requireF32(b, op);
        requireF32(out, op);
        if (!a.shape().equals(b.shape()) || !a.shape().equals(out.shape())) {
            throw new IllegalArgumentException(op + ": shapes differ: " + a.shape() + ", " + b.shape()
                    + " -> " + out.shape());
        }
    }

    private static void requireF32(Tensor t, String op) {
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException(op + " needs F32 tensors but got " + t);
        }
    }
}

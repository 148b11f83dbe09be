package amalgam.fusion.method;

import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.F32Kernels;

/** Elementwise float32 helpers over whole F32 working tensors, on the vectorized kernels. */
final class F32Tensors {
    private F32Tensors() {
    }

    /** acc += scale * x (product rounded to float before the add, as torch's {@code acc + scale * x}). */
    static void addScaledInPlace(Tensor acc, Tensor x, float scale) {
        F32Kernels.axpyInPlace(scale, x.data(), acc.data(), acc.elementCount());
    }

    /** acc += x. */
    static void addInPlace(Tensor acc, Tensor x) {
        F32Kernels.add(acc.data(), x.data(), acc.data(), acc.elementCount());
    }

    /** x *= scale. */
    static void scaleInPlace(Tensor x, float scale) {
        F32Kernels.scale(x.data(), scale, x.data(), x.elementCount());
    }

    /** Σ a·b accumulated in double. */
    static double dot(Tensor a, Tensor b) {
        return F32Kernels.dot(a.data(), b.data(), a.elementCount());
    }
}

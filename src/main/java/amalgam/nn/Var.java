package amalgam.nn;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * A value in the autograd graph: an F32 {@link Tensor} plus, when it requires a gradient, a gradient tensor of the same
 * shape. Three kinds exist:
 * <ul>
 *   <li>a <em>leaf</em> ({@link #parameter}): a trainable tensor living outside any graph; its gradient is allocated in
 *       the leaf's own arena and accumulates across {@link Graph#backward} calls until {@link #zeroGrad()};</li>
 *   <li>a <em>constant</em> ({@link #constant}): an input that needs no gradient;</li>
 *   <li>an <em>op result</em>, made by a {@link Graph}: its value and gradient live in the graph's workspace and are
 *       invalid after {@link Graph#reset()} or {@link Graph#close()}.</li>
 * </ul>
 */
public final class Var {
    private final Tensor value;
    private final boolean requiresGrad;
    private final Arena gradArena; // leaves only: where the gradient is allocated
    private Tensor grad;
    Backward backward;             // op results on a recording graph only

    /** Pushes an output gradient to the inputs of the op that made a value. */
    @FunctionalInterface
    interface Backward {
        void apply(Tensor outputGrad);
    }

    private Var(Tensor value, boolean requiresGrad, Arena gradArena) {
        if (value.dtype() != DType.F32) {
            throw new IllegalArgumentException("autograd values are F32, got " + value);
        }
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.gradArena = gradArena;
    }

    /**
     * A trainable leaf. Its gradient is allocated in {@code gradArena} on first use; the arena must be shared (or
     * global/automatic) since the parallel helper's workers write into it.
     */
    public static Var parameter(Tensor value, Arena gradArena) {
        return new Var(value, true, gradArena);
    }

    /** A value that needs no gradient. */
    public static Var constant(Tensor value) {
        return new Var(value, false, null);
    }

    static Var result(Tensor value, boolean requiresGrad) {
        return new Var(value, requiresGrad, null);
    }

    public Tensor value() {
        return value;
    }

    public Shape shape() {
        return value.shape();
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** True for parameters and constants (values not produced by an op). */
    public boolean isLeaf() {
        return backward == null;
    }

    /** The accumulated gradient, or null when none has flowed here yet. */
    public Tensor grad() {
        return grad;
    }

    /** The single element of a one-element value (a scalar loss). */
    public float item() {
        if (value.elementCount() != 1) {
            throw new IllegalStateException("item() needs a one-element value, got shape " + value.shape());
        }
        return value.getFloat(0);
    }

    /**
     * Adds {@code delta} (this value's shape, F32) to the gradient of this leaf, as a backward pass would: for
     * gradients computed on other graphs, e.g. by data-parallel replicas of a model, summed in a fixed order.
     */
    public void accumulateGrad(Tensor delta) {
        if (gradArena == null) {
            throw new IllegalStateException("accumulateGrad on a value that is not a trainable leaf: " + this);
        }
        if (!delta.shape().equals(value.shape()) || delta.dtype() != DType.F32) {
            throw new IllegalArgumentException("gradient " + delta + " for a leaf of shape " + value.shape());
        }
        Tensor target = gradForAccumulation(null);
        // element-wise, so the sum is the same as the scalar loop's, bit for bit
        amalgam.tensor.kernel.F32Kernels.add(target.data(), delta.data(), target.data(), delta.elementCount());
    }

    /** Clears the accumulated gradient (keeps its buffer). */
    public void zeroGrad() {
        if (grad != null) {
            grad.data().fill((byte) 0);
        }
    }

    /** The gradient buffer to accumulate into, zero-filled on first use (op results: in the graph's workspace). */
    Tensor gradForAccumulation(Workspace workspace) {
        if (grad == null) {
            if (gradArena != null) {
                grad = Tensor.allocate(gradArena, DType.F32, value.shape());
            } else {
                grad = Tensor.of(DType.F32, value.shape(), workspace.allocateZeroed(value.byteSize()));
            }
        }
        return grad;
    }

    @Override
    public String toString() {
        return "Var[" + value.shape() + (requiresGrad ? ", grad" : "") + "]";
    }
}

package amalgam.mergekit.lora;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.merge.ModelSource;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.SharedTensors;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A base model with a LoRA adapter folded in, as PEFT's {@code merge_and_unload} leaves it: a changed tensor is
 * computed when first asked for — the update in float32 (the adapter's factors widened, as PEFT loads them), added
 * to the base tensor widened to float32, and rounded once to the base tensor's dtype (or the dtype the merged
 * model is stored in, mergekit's {@code --lora-merge-dtype}) — and freed when released.
 * Unchanged tensors are the base's own.
 */
public final class LoraModelSource implements ModelSource {
    private final String name;
    private final ModelSource base;
    private final LoraAdapter adapter;
    private final DType storedAs;
    private final SharedTensors computed = new SharedTensors();

    /** {@code storedAs}: the dtype of the adapted tensors, or null for each base tensor's own. */
    public LoraModelSource(String name, ModelSource base, LoraAdapter adapter, DType storedAs) {
        this.name = name;
        this.base = base;
        this.adapter = adapter;
        this.storedAs = storedAs;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> tensorNames() {
        return base.tensorNames();
    }

    @Override
    public boolean contains(String tensorName) {
        return base.contains(tensorName);
    }

    @Override
    public Tensor tensor(String tensorName) {
        if (!computes(tensorName)) {
            return base.tensor(tensorName);
        }
        return computed.acquire(tensorName, arena -> apply(tensorName, adapter.changes().get(tensorName), arena));
    }

    @Override
    public Shape shapeOf(String tensorName) {
        return base.shapeOf(tensorName);
    }

    @Override
    public DType dtypeOf(String tensorName) {
        return storedAs != null ? storedAs : base.dtypeOf(tensorName);
    }

    @Override
    public void prefetch(String tensorName) {
        base.prefetch(tensorName);
    }

    @Override
    public void release(String tensorName) {
        if (computes(tensorName)) {
            computed.release(tensorName);
        } else {
            base.release(tensorName);
        }
    }

    /** How many computed tensors are held (asked for and not yet released). */
    int held() {
        return computed.size();
    }

    /** Changed tensors, and with {@code storedAs} every tensor stored in another dtype, are computed here. */
    private boolean computes(String tensorName) {
        if (adapter.changes().containsKey(tensorName)) {
            return true;
        }
        if (storedAs == null) {
            return false;
        }
        return base.dtypeOf(tensorName) != storedAs;
    }

    /** The tensor with its change applied ({@code change} null: only stored in {@code storedAs}). */
    private Tensor apply(String tensorName, LoraAdapter.Change change, Arena arena) {
        ModelSource weights = adapter.weights();
        Tensor stored = base.tensor(tensorName);
        try {
            Tensor result = Tensor.allocate(arena, storedAs != null ? storedAs : stored.dtype(), stored.shape());
            if (change == null) {
                Convert.fromF32(Convert.toF32(stored, arena).data(), result);
                return result;
            }
            if (change instanceof LoraAdapter.Replacement replacement) {
                Tensor replacing = weights.tensor(replacement.key());
                Convert.fromF32(Convert.toF32(replacing, arena).data(), result);
                weights.release(replacement.key());
                return result;
            }
            Tensor sum = Convert.toF32(stored, arena);
            switch (change) {
                case LoraAdapter.LowRank lowRank -> addLowRank(sum, lowRank, arena);
                case LoraAdapter.BiasShift shift -> {
                    addScaled(sum, weights.tensor(shift.key()), (float) shift.scaling(), arena);
                    weights.release(shift.key());
                }
                case LoraAdapter.Replacement ignored -> throw new IllegalStateException("handled above");
            }
            Convert.fromF32(sum.data(), result);
            return result;
        } finally {
            base.release(tensorName);
        }
    }

    /** sum += s·B·A (or s·(B·A)ᵀ = s·Aᵀ·Bᵀ) in one sgemm, with A and B widened to float32. */
    private void addLowRank(Tensor sum, LoraAdapter.LowRank change, Arena arena) {
        ModelSource weights = adapter.weights();
        Matrix a = Matrix.of(Convert.toF32(weights.tensor(change.aKey()), arena));
        Matrix b = Matrix.of(Convert.toF32(weights.tensor(change.bKey()), arena));
        weights.release(change.aKey());
        weights.release(change.bKey());
        Shape shape = sum.shape();
        Matrix delta = Matrix.allocate(arena, shape.dim(0), shape.dim(1));
        if (change.transposed()) {
            LinearAlgebra.gemm(true, true, (float) change.scaling(), a, b, 0, delta);
        } else {
            LinearAlgebra.gemm(false, false, (float) change.scaling(), b, a, 0, delta);
        }
        addScaled(sum, delta.asTensor(), 1, arena);
    }

    /** sum += scale · addend, the product rounded to float before the add as PyTorch does (no FMA). */
    private static void addScaled(Tensor sum, Tensor addend, float scale, Arena arena) {
        MemorySegment values = addend.dtype() == DType.F32 ? addend.data() : Convert.toF32(addend, arena).data();
        F32Kernels.axpyInPlace(scale, values, sum.data(), sum.elementCount());
    }
}

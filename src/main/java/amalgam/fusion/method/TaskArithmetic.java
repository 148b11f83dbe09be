package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.F32Chunks;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * FusionBench {@code task_arithmetic} (Ilharco et al., 2023): θ = θ0 + λ · Σᵢ τᵢ with τᵢ = θᵢ − θ0, per tensor;
 * λ multiplies the sum, not the mean.
 */
public final class TaskArithmetic implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("task_arithmetic", List.of(),
            "pretrained model plus the scaled sum of the task vectors", List.of(CommonParameters.scalingFactor(0.3)),
            parameters -> new TaskArithmetic(parameters.getDouble("scaling_factor")));

    private final float scalingFactor;

    public TaskArithmetic(double scalingFactor) {
        this.scalingFactor = (float) scalingFactor;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        return PerTensorPlan.build(pool, 1, (name, shape, arena) -> merge(base, models, scalingFactor, name, shape, arena));
    }

    /**
     * θ0 + λ Σ τᵢ for one tensor in a single pass over cache-sized windows: every input is read once, straight from
     * its mapping, and each element sees exactly the float32 operations of the whole-tensor formula
     * (τᵢ = θᵢ − θ0, the sum in model order, then θ0 + λ·sum), so the result is the same bit for bit.
     */
    static Tensor merge(ModelSource base, List<ModelSource> models, float lambda, String name, Shape shape, Arena arena) {
        Tensor theta0 = TensorInputs.stored(base, name, shape);
        Tensor[] thetas = new Tensor[models.size()];
        for (int i = 0; i < thetas.length; i++) {
            thetas[i] = TensorInputs.stored(models.get(i), name, shape);
        }
        Tensor result = Tensor.allocate(arena, DType.F32, shape);
        MemorySegment sum = arena.allocate(F32Chunks.CHUNK * Float.BYTES, 64);
        MemorySegment scratch = arena.allocate(F32Chunks.CHUNK * Float.BYTES, 64);
        long count = shape.elementCount();
        for (long start = 0; start < count; start += F32Chunks.CHUNK) {
            long n = Math.min(F32Chunks.CHUNK, count - start);
            MemorySegment out = result.data().asSlice(start * Float.BYTES, n * Float.BYTES);
            MemorySegment.copy(F32Chunks.window(theta0, start, n, scratch), 0, out, 0, n * Float.BYTES);
            TensorInputs.checkFinite(base, name, out, start, n);
            sum.asSlice(0, n * Float.BYTES).fill((byte) 0);
            for (int i = 0; i < thetas.length; i++) {
                MemorySegment window = F32Chunks.window(thetas[i], start, n, scratch);
                TensorInputs.checkFinite(models.get(i), name, window, start, n);
                F32Kernels.addDifferenceInPlace(sum, window, out, n);
            }
            F32Kernels.axpyInPlace(lambda, sum, out, n);
        }
        base.release(name);
        models.forEach(model -> model.release(name));
        return result;
    }
}

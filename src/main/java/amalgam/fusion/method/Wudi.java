package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.param.ParameterSpec;
import amalgam.param.Domain;
import amalgam.fusion.param.ParameterType;
import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * FusionBench {@code wudi/wudi} (Cheng et al., 2025, "Whoever Started the Interference Should End It"): data-free.
 * For each 2-D tensor, the merged task vector τ_m starts at Σᵢ τᵢ and takes {@code iter_num} Adam steps
 * (lr 1e-5, β = (0.9, 0.999), ε = 1e-8, no weight decay) on
 * L(τ_m) = Σᵢ ‖(τ_m − τᵢ) τᵢᵀ‖²_F / ‖τᵢ‖²_F. Its gradient is closed-form, 2 (τ_m A − B) with
 * A = Σᵢ τᵢᵀτᵢ / ‖τᵢ‖²_F [n×n] and B = Σᵢ τᵢ τᵢᵀτᵢ / ‖τᵢ‖²_F [m×n], so each step is one matrix product and no
 * autograd graph is needed. Other (non-2-D or excluded) tensors: τ_m = mean τᵢ. θ = θ0 + τ_m.
 */
public final class Wudi implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("wudi/wudi", List.of("wudi"),
            "merged task vector optimised to cancel interference on each task's input subspace (closed-form gradient)",
            List.of(ParameterSpec.of("iter_num", ParameterType.INT, 400L, Domain.integersFrom(1), "Adam steps per 2-D tensor"), CommonParameters.excludeKeys()),
            parameters -> new Wudi(Math.toIntExact(parameters.getLong("iter_num")), parameters.getStrings("exclude_keys")));

    static final float LEARNING_RATE = 1e-5f;

    private final int iterations;
    private final Set<String> excludeKeys;

    public Wudi(int iterations, List<String> excludeKeys) {
        this.iterations = iterations;
        this.excludeKeys = new HashSet<>(excludeKeys);
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        int count = models.size();
        return PerTensorPlan.build(pool, count + 8, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            Tensor[] tau = new Tensor[count];
            for (int i = 0; i < count; i++) {
                tau[i] = TensorInputs.taskVector(models.get(i), name, theta0, arena);
            }
            Tensor merged = shape.rank() == 2 && !excludeKeys.contains(name)
                    ? optimise(tau, iterations, arena) : TaskSingularVectorMerging.mean(tau, arena);
            F32Tensors.addInPlace(theta0, merged);
            return theta0;
        });
    }

    /** τ_m after {@code steps} Adam steps from Σᵢ τᵢ. */
    static Tensor optimise(Tensor[] tau, int steps, Arena arena) {
        long m = tau[0].shape().dim(0);
        long n = tau[0].shape().dim(1);
        Matrix a = Matrix.allocate(arena, n, n);
        Matrix b = Matrix.allocate(arena, m, n);
        Matrix merged = Matrix.allocate(arena, m, n);
        for (Tensor t : tau) {
            Matrix taskVector = Matrix.of(t);
            float inverseNormSquared = (float) (1.0 / F32Kernels.dot(t.data(), t.data(), t.elementCount()));
            Matrix gram = Matrix.allocate(arena, n, n);
            LinearAlgebra.gemm(true, false, inverseNormSquared, taskVector, taskVector, 0, gram);
            F32Kernels.add(a.data(), gram.data(), a.data(), n * n);
            LinearAlgebra.gemm(false, false, 1, taskVector, gram, 1, b);
            F32Kernels.add(merged.data(), t.data(), merged.data(), m * n);
        }
        Matrix gradient = Matrix.allocate(arena, m, n);
        MemorySegment firstMoment = arena.allocate(m * n * Float.BYTES, 64);
        MemorySegment secondMoment = arena.allocate(m * n * Float.BYTES, 64);
        for (int step = 1; step <= steps; step++) {
            MemorySegment.copy(b.data(), 0, gradient.data(), 0, m * n * Float.BYTES);
            LinearAlgebra.gemm(false, false, 2, merged, a, -2, gradient);
            TorchAdam.step(merged.data(), gradient.data(), firstMoment, secondMoment, m * n, step, LEARNING_RATE);
        }
        return merged.asTensor();
    }
}

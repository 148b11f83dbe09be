package amalgam.fusion.method;

import amalgam.parallel.Parallel;

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
import amalgam.linalg.Svd;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FusionBench {@code doge_ta/doge_ta} (Wei et al., 2025): data-free, on the encoder's weight matrices only (names
 * with "encoder" and "weight", without "layer_norm"); every other tensor keeps θ0. Per key ℓ and task i:
 * λᵢ = lamda / ‖τᵢ‖_F. A shared modification Δ (init 0) takes 400 Adam steps (lr 1e-4) on
 * L(Δ) = Σⱼ Σ_rows (Σ_cols [τⱼ⊙τⱼ − τⱼ⊙M − c·τⱼ⊙Δ])², M = Σᵢ λᵢτᵢ, c = Σᵢ λᵢ, with the closed-form gradient
 * −2c Σⱼ sⱼ ⊙ τⱼ (sⱼ the bracketed row sums) projected off the shared subspace: g ← g − U_s U_sᵀ g, where U_s
 * are the first ⌊r/subspace⌋ left singular vectors of the concatenated top-⌊r/T⌋ left singular vectors of the τᵢ.
 * Masks: per task a global top-K% magnitude mask over all selected keys (the TIES trim rule). Result:
 * θ = θ0 + Σᵢ λᵢ ((τᵢ + Δ) ⊙ maskᵢ).
 */
public final class DogeTa implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("doge_ta/doge_ta", List.of("doge_ta"),
            "shared modification of the task vectors optimised outside their common subspace, then masked and scaled",
            List.of(ParameterSpec.of("subspace", ParameterType.INT, 6L, Domain.integersFrom(1), "the shared subspace keeps r/subspace directions"),
                    ParameterSpec.of("K", ParameterType.INT, 30L, Domain.integers(1, 100), "percentage of each task vector kept by magnitude"),
                    ParameterSpec.of("lamda", ParameterType.FLOAT, 0.07, Domain.REAL, "numerator of the per-task scale λᵢ = lamda/‖τᵢ‖")),
            parameters -> new DogeTa(Math.toIntExact(parameters.getLong("subspace")), parameters.getLong("K"),
                    parameters.getDouble("lamda"), 400));

    static final float LEARNING_RATE = 1e-4f;

    private final int subspace;
    private final long keepPercent;
    private final double lamda;
    private final int steps;

    public DogeTa(int subspace, long keepPercent, double lamda, int steps) {
        this.subspace = subspace;
        this.keepPercent = keepPercent;
        this.lamda = lamda;
        this.steps = steps;
    }

    static boolean selected(String name, Shape shape) {
        return name.contains("encoder") && name.contains("weight") && !name.contains("layer_norm") && shape.rank() == 2;
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        return plan(pool, seed, Parallel.CALLING_THREAD);
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed, Parallel parallel) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        int count = models.size();
        Map<String, Shape> scope = new LinkedHashMap<>();
        TiesCore.flattenedScope(pool, java.util.Set.of()).forEach((name, shape) -> {
            if (selected(name, shape)) {
                scope.put(name, shape);
            }
        });
        long rank = TiesCore.trimRank(scope, keepPercent);
        float[] thresholds = rank == 0 ? new float[count] : TiesCore.thresholds(scope,
                new TiesCore.RowSource(base, models, TiesCore.RowTransform.NONE), rank, parallel);
        return PerTensorPlan.build(pool, 2 * count + 8, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            if (!scope.containsKey(name)) {
                return theta0;
            }
            Tensor[] tau = new Tensor[count];
            for (int i = 0; i < count; i++) {
                tau[i] = TensorInputs.taskVector(models.get(i), name, theta0, arena);
            }
            F32Kernels.add(theta0.data(), merge(tau, thresholds, arena).data(), theta0.data(), theta0.elementCount());
            return theta0;
        });
    }

    /** Σᵢ λᵢ ((τᵢ + Δ) ⊙ maskᵢ) for one key. */
    Tensor merge(Tensor[] tau, float[] thresholds, Arena arena) {
        long m = tau[0].shape().dim(0);
        long n = tau[0].shape().dim(1);
        long size = m * n;
        float[] lambdas = new float[tau.length];
        float lambdaSum = 0;
        for (int i = 0; i < tau.length; i++) {
            lambdas[i] = (float) (lamda / Math.sqrt(F32Kernels.dot(tau[i].data(), tau[i].data(), size)));
            lambdaSum += lambdas[i];
        }
        Tensor delta = optimiseDelta(tau, lambdas, lambdaSum, projector(tau, arena), arena);
        Tensor merged = Tensor.allocate(arena, amalgam.tensor.DType.F32, tau[0].shape());
        MemorySegment out = merged.data();
        MemorySegment shift = delta.data();
        for (int i = 0; i < tau.length; i++) {
            MemorySegment t = tau[i].data();
            for (long k = 0; k < size; k++) {
                float x = t.getAtIndex(Layouts.F32, k);
                if (Math.abs(x) >= thresholds[i]) {
                    out.setAtIndex(Layouts.F32, k, out.getAtIndex(Layouts.F32, k) + lambdas[i] * (x + shift.getAtIndex(Layouts.F32, k)));
                }
            }
        }
        return merged;
    }

    /** U_s [m, ks]: the first ⌊r/subspace⌋ left singular vectors of [U₁[:, :k] … U_T[:, :k]], k = ⌊r/T⌋. */
    Matrix projector(Tensor[] tau, Arena arena) {
        long m = tau[0].shape().dim(0);
        int r = Math.toIntExact(Math.min(m, tau[0].shape().dim(1)));
        int k = r / tau.length;
        Matrix concatenated = Matrix.allocate(arena, m, (long) k * tau.length);
        for (int i = 0; i < tau.length; i++) {
            Svd svd = LinearAlgebra.svd(arena, Matrix.of(tau[i]));
            SvdSteps.copyColumns(svd.u(), concatenated, k, i * k);
        }
        Svd shared = LinearAlgebra.svd(arena, concatenated);
        int kept = Math.min(r / subspace, Math.toIntExact(shared.u().cols()));
        Matrix basis = Matrix.allocate(arena, m, kept);
        SvdSteps.copyColumns(shared.u(), basis, kept, 0);
        return basis;
    }

    private Tensor optimiseDelta(Tensor[] tau, float[] lambdas, float lambdaSum, Matrix basis, Arena arena) {
        long m = tau[0].shape().dim(0);
        long n = tau[0].shape().dim(1);
        long size = m * n;
        Matrix weighted = Matrix.allocate(arena, m, n);
        for (int i = 0; i < tau.length; i++) {
            F32Kernels.axpyInPlace(lambdas[i], tau[i].data(), weighted.data(), size);
        }
        Matrix delta = Matrix.allocate(arena, m, n);
        Matrix gradient = Matrix.allocate(arena, m, n);
        Matrix coordinates = Matrix.allocate(arena, basis.cols(), n);
        MemorySegment first = arena.allocate(size * Float.BYTES, 64);
        MemorySegment second = arena.allocate(size * Float.BYTES, 64);
        float[] rowSums = new float[Math.toIntExact(m)];
        for (int step = 1; step <= steps; step++) {
            gradient.data().fill((byte) 0);
            for (Tensor t : tau) {
                MemorySegment v = t.data();
                for (long row = 0; row < m; row++) {
                    float sum = 0;
                    for (long col = 0; col < n; col++) {
                        long index = row * n + col;
                        float x = v.getAtIndex(Layouts.F32, index);
                        sum += x * x - x * weighted.data().getAtIndex(Layouts.F32, index)
                                - lambdaSum * x * delta.data().getAtIndex(Layouts.F32, index);
                    }
                    rowSums[(int) row] = sum;
                }
                for (long row = 0; row < m; row++) {
                    float factor = -2 * lambdaSum * rowSums[(int) row];
                    F32Kernels.axpyInPlace(factor, v.asSlice(row * n * Float.BYTES, n * Float.BYTES),
                            gradient.data().asSlice(row * n * Float.BYTES, n * Float.BYTES), n);
                }
            }
            // g <- g - U_s (U_s^T g)
            LinearAlgebra.gemm(true, false, 1, basis, gradient, 0, coordinates);
            LinearAlgebra.gemm(false, false, -1, basis, coordinates, 1, gradient);
            TorchAdam.step(delta.data(), gradient.data(), first, second, size, step, LEARNING_RATE);
        }
        return delta.asTensor();
    }
}

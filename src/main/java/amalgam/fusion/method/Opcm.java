package amalgam.fusion.method;

import amalgam.fusion.ContinualFusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.TensorScopes;
import amalgam.fusion.param.ParameterSpec;
import amalgam.param.Domain;
import amalgam.fusion.param.ParameterType;
import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.linalg.Svd;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * FusionBench {@code opcm/opcm} (orthogonal projection-based continual merging, Tang et al., 2025).
 * M = θ_{π1}, λ_prev = 1, norms = [‖τ_{π1}‖] (L2 over the whole model). For each next model θt: append ‖τt‖,
 * n̄ = mean(norms); then per tensor, with P = M − W0 and τ = Wt − W0:
 * <ul>
 * <li>linear weights: P = U S Vᵀ (full SVD); split = first r with cumsum(S)[r]/ΣS > alpha (0 if none);
 * Q = Uᵀ τ V with its whole diagonal and its [:split, :split] block zeroed; τ' = U Q Vᵀ;
 * W = W0 + (λ_prev·P + τ');</li>
 * <li>other leaf parameters: W = W0 + λ_prev·P + τ; non-leaf parameters (CLIP's class_embedding) unchanged.</li>
 * </ul>
 * Then ν = ‖M − θ0‖, λ_prev ← ν/n̄ and M ← θ0 + (M − θ0)·(n̄/ν) on every tensor.
 * Only the top-left r×r block of Q (r = min(m, n)) is ever zeroed, so with the thin SVD P = U_r S V_rᵀ the
 * projection is τ' = τ − U_r D V_rᵀ, D the zeroed entries of U_rᵀ τ V_r — identical to the full-SVD form.
 */
public final class Opcm implements ContinualFusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("opcm/opcm", List.of("opcm", "opcm/opcm_general"),
            "orthogonal projection-based continual merging", parameters(),
            parameters -> new Opcm(parameters.getDouble("alpha"), ContinualProtocol.from(parameters)));

    private final double alpha;
    private final ContinualProtocol order;

    Opcm(double alpha, ContinualProtocol order) {
        this.alpha = alpha;
        this.order = order;
    }

    private static List<ParameterSpec> parameters() {
        List<ParameterSpec> all = new ArrayList<>(List.of(ParameterSpec.of("alpha", ParameterType.FLOAT, 0.5, Domain.UNIT,
                "share of the previous merge's spectrum (cumulative singular values) protected from the new update")));
        all.addAll(CommonParameters.continual());
        return all;
    }

    @Override
    public List<ModelSource> mergeOrder(ModelPool pool, long seed) {
        return order.apply(pool.requireModels(DECLARATION.configName(), 1), seed);
    }

    @Override
    public ContinualFusionAlgorithm inGivenOrder() {
        return new Opcm(alpha, order.inGivenOrder());
    }

    @Override
    public amalgam.fusion.StepOutputs stepOutputs() {
        return order.stepOutputs();
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = mergeOrder(pool, seed);
        WorkingModel merged = WorkingModel.copyOf(base, models.getFirst());
        List<Double> norms = new ArrayList<>();
        norms.add(taskVectorNorm(base, models.getFirst(), merged));
        double lambdaPrevious = 1;
        for (int t = 1; t < models.size(); t++) {
            ModelSource model = models.get(t);
            norms.add(taskVectorNorm(base, model, merged));
            double meanNorm = norms.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            float lambda = (float) lambdaPrevious;
            for (Map.Entry<String, Tensor> entry : merged.tensors().entrySet()) {
                String name = entry.getKey();
                if (!TensorScopes.isLeafParameter(name)) {
                    continue;
                }
                Tensor current = entry.getValue();
                try (Arena arena = Arena.ofConfined()) {
                    Tensor theta0 = TensorInputs.read(base, name, current.shape(), arena);
                    Tensor tau = TensorInputs.taskVector(model, name, theta0, arena);
                    Tensor previous = difference(current, theta0, arena);
                    if (TensorScopes.isLinearWeight(name, current.shape().rank())) {
                        tau = project(previous, tau, alpha, arena);
                    }
                    // W = θ0 + (λ·P + τ'), each operation rounded to float32 as the scalar expression is
                    long n = current.elementCount();
                    F32Kernels.scale(previous.data(), lambda, previous.data(), n);
                    F32Kernels.add(previous.data(), tau.data(), previous.data(), n);
                    F32Kernels.add(theta0.data(), previous.data(), current.data(), n);
                }
            }
            double nu = distance(base, merged);
            lambdaPrevious = nu / meanNorm;
            float rescale = (float) (meanNorm / nu);
            for (Map.Entry<String, Tensor> entry : merged.tensors().entrySet()) {
                Tensor current = entry.getValue();
                try (Arena arena = Arena.ofConfined()) {
                    Tensor theta0 = TensorInputs.read(base, entry.getKey(), current.shape(), arena);
                    // W = θ0 + (W − θ0)·s
                    long n = current.elementCount();
                    Tensor update = difference(current, theta0, arena);
                    F32Kernels.scale(update.data(), rescale, update.data(), n);
                    F32Kernels.add(theta0.data(), update.data(), current.data(), n);
                }
            }
        }
        return merged.jobs();
    }

    private static Tensor difference(Tensor a, Tensor b, Arena arena) {
        Tensor out = Tensor.allocate(arena, amalgam.tensor.DType.F32, a.shape());
        F32Kernels.subtract(a.data(), b.data(), out.data(), a.elementCount());
        return out;
    }

    /** τ' = τ − U D Vᵀ with D the diagonal and the [:split, :split] block of Uᵀ τ V (thin SVD of P). */
    static Tensor project(Tensor previous, Tensor tau, double alpha, Arena arena) {
        Svd svd = LinearAlgebra.svd(arena, SvdSteps.matrix(previous));
        float[] s = svd.singularValues();
        int r = s.length;
        double total = 0;
        for (float v : s) {
            total += v;
        }
        int split = 0;
        double cumulative = 0;
        for (int i = 0; i < r; i++) {
            cumulative += s[i];
            if (cumulative / total > alpha) {
                split = i;
                break;
            }
        }
        Matrix tauMatrix = SvdSteps.matrix(tau);
        Matrix left = LinearAlgebra.multiply(arena, transpose(svd.u(), arena), tauMatrix); // [r, n]
        Matrix q = Matrix.allocate(arena, r, r);
        LinearAlgebra.gemm(false, true, 1f, left, svd.vt(), 0f, q); // Uᵀ τ V, [r, r]
        Matrix removed = Matrix.allocate(arena, r, r);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                if (i == j || (i < split && j < split)) {
                    removed.set(i, j, q.get(i, j));
                }
            }
        }
        Matrix ud = LinearAlgebra.multiply(arena, svd.u(), removed);
        Matrix out = Matrix.allocate(arena, tauMatrix.rows(), tauMatrix.cols());
        out.data().copyFrom(tauMatrix.data());
        LinearAlgebra.gemm(false, false, -1f, ud, svd.vt(), 1f, out);
        return out.asTensor();
    }

    private static Matrix transpose(Matrix a, Arena arena) {
        Matrix t = Matrix.allocate(arena, a.cols(), a.rows());
        for (long i = 0; i < a.rows(); i++) {
            for (long j = 0; j < a.cols(); j++) {
                t.set(j, i, a.get(i, j));
            }
        }
        return t;
    }

    /** ‖θ − θ0‖ over every floating tensor of the working model's scope, accumulated in double. */
    private static double taskVectorNorm(ModelSource base, ModelSource model, WorkingModel scope) {
        double sum = 0;
        for (Map.Entry<String, Tensor> entry : scope.tensors().entrySet()) {
            try (Arena arena = Arena.ofConfined()) {
                Shape shape = entry.getValue().shape();
                Tensor theta0 = TensorInputs.read(base, entry.getKey(), shape, arena);
                Tensor tau = TensorInputs.taskVector(model, entry.getKey(), theta0, arena);
                sum += F32Tensors.dot(tau, tau);
            }
        }
        return Math.sqrt(sum);
    }

    private static double distance(ModelSource base, WorkingModel merged) {
        double sum = 0;
        for (Map.Entry<String, Tensor> entry : merged.tensors().entrySet()) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor theta0 = TensorInputs.read(base, entry.getKey(), entry.getValue().shape(), arena);
                Tensor d = difference(entry.getValue(), theta0, arena);
                sum += F32Tensors.dot(d, d);
            }
        }
        return Math.sqrt(sum);
    }
}

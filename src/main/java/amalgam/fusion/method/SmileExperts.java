package amalgam.fusion.method;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.linalg.Svd;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.SmileTensorNames;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SMILE's construction of one linear's gate and experts (spec §7.5), in float32 as FusionBench computes it. With
 * ΔWᵢ = Wᵢ − W0 = Uᵢ diag(Sᵢ) Vᵢᵀ (thin SVD, LAPACK gesdd):
 * <ul>
 *   <li>gate rows of expert i: Vᵢ[:, :gate_k]ᵀ (from the SVD of Wᵢ instead when routing does not use the difference);</li>
 *   <li>low-rank expert i: u = Uᵢ[:, :k], svh = diag(Sᵢ[:k]) Vᵢ[:, :k]ᵀ; a dense expert (k ≤ 0) is ΔWᵢ itself;</li>
 *   <li>bias delta bᵢ − b0.</li>
 * </ul>
 * Singular vectors are determined up to a joint sign of (uⱼ, vⱼ), which changes neither uⱼsⱼvⱼᵀ nor the gate's norms;
 * the sign is fixed so that the entry of largest magnitude of each vⱼ (the first of equal ones) is positive, so the
 * saved tensors do not depend on the SVD routine's choice.
 */
final class SmileExperts {
    private SmileExperts() {
    }

    /**
     * The linear's tensors besides W0 and b0, by name ({@link SmileTensorNames}), allocated in {@code arena}.
     *
     * @param deltas ΔWᵢ [out, in] per expert (F32)
     * @param finetuned Wᵢ per expert, read only when routing does not use the difference (may be null otherwise)
     * @param biasDeltas bᵢ − b0 [out] per expert, or null when the linear has no bias
     */
    static Map<String, Tensor> build(SmileMixture.Linear linear, boolean routingUseDiff, List<Tensor> deltas,
                                     List<Tensor> finetuned, List<Tensor> biasDeltas, Arena arena) {
        String name = linear.name();
        int experts = deltas.size();
        int in = linear.inFeatures();
        int gateK = linear.gateK();
        Map<String, Tensor> out = new LinkedHashMap<>();
        Matrix gate = Matrix.allocate(arena, (long) experts * gateK, in);
        out.put(SmileTensorNames.gate(name), gate.asTensor());
        for (int i = 0; i < experts; i++) {
            Svd delta = routingUseDiff || !linear.dense() ? signFixed(LinearAlgebra.svd(arena, Matrix.of(deltas.get(i)))) : null;
            Svd routing = routingUseDiff ? delta : signFixed(LinearAlgebra.svd(arena, Matrix.of(finetuned.get(i))));
            for (int j = 0; j < gateK; j++) {
                for (int c = 0; c < in; c++) {
                    gate.set((long) i * gateK + j, c, routing.vt().get(j, c));
                }
            }
            if (linear.dense()) {
                out.put(SmileTensorNames.expertWeight(name, i), copy(deltas.get(i), arena));
            } else {
                out.put(SmileTensorNames.expertU(name, i), leadingColumns(delta.u(), linear.k(), arena).asTensor());
                out.put(SmileTensorNames.expertSvh(name, i), scaledLeadingRows(delta, linear.k(), arena).asTensor());
            }
            if (biasDeltas != null) {
                out.put(SmileTensorNames.expertBias(name, i), copy(biasDeltas.get(i), arena));
            }
        }
        return out;
    }

    /** The SVD with each pair (uⱼ, vⱼ) flipped so that vⱼ's entry of largest magnitude is positive (in place). */
    static Svd signFixed(Svd svd) {
        Matrix u = svd.u();
        Matrix vt = svd.vt();
        for (long j = 0; j < vt.rows(); j++) {
            long largest = 0;
            for (long c = 1; c < vt.cols(); c++) {
                if (Math.abs(vt.get(j, c)) > Math.abs(vt.get(j, largest))) {
                    largest = c;
                }
            }
            if (vt.cols() > 0 && vt.get(j, largest) < 0) {
                for (long c = 0; c < vt.cols(); c++) {
                    vt.set(j, c, -vt.get(j, c));
                }
                for (long r = 0; r < u.rows(); r++) {
                    u.set(r, j, -u.get(r, j));
                }
            }
        }
        return svd;
    }

    /** U[:, :k]. */
    private static Matrix leadingColumns(Matrix u, int k, Arena arena) {
        Matrix out = Matrix.allocate(arena, u.rows(), k);
        for (long r = 0; r < u.rows(); r++) {
            for (int j = 0; j < k; j++) {
                out.set(r, j, u.get(r, j));
            }
        }
        return out;
    }

    /** diag(S[:k]) Vᵀ[:k, :], each product rounded to float32 as torch's (s * v).T does. */
    private static Matrix scaledLeadingRows(Svd svd, int k, Arena arena) {
        Matrix vt = svd.vt();
        Matrix out = Matrix.allocate(arena, k, vt.cols());
        for (int j = 0; j < k; j++) {
            float s = svd.singularValues()[j];
            for (long c = 0; c < vt.cols(); c++) {
                out.set(j, c, s * vt.get(j, c));
            }
        }
        return out;
    }

    private static Tensor copy(Tensor tensor, Arena arena) {
        Tensor copy = Tensor.allocate(arena, DType.F32, tensor.shape());
        copy.data().copyFrom(tensor.data());
        return copy;
    }

    /** Whether every entry of ΔW is within FusionBench's allclose(ΔW, 0) tolerance (|x| ≤ 1e-8; NaN is not). */
    static boolean untrained(Tensor delta) {
        for (long i = 0; i < delta.elementCount(); i++) {
            float value = delta.getFloat(i);
            if (!(Math.abs(value) <= 1e-8f)) {
                return false;
            }
        }
        return true;
    }

    /** The shape of a linear's weight [out, in]. */
    static Shape weightShape(SmileMixture.Linear linear) {
        return Shape.of(linear.outFeatures(), linear.inFeatures());
    }
}

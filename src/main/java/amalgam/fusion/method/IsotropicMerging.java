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
import amalgam.linalg.Svd;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * FusionBench {@code isotropic_merging/iso_c} and {@code isotropic_merging/iso_cts} (Marczak et al., 2025).
 * Non-2-D or excluded tensors: τ_m = mean τᵢ. 2-D tensors (r = min(m, n)):
 * <ul>
 * <li>ISO-C: Σ = Σᵢ τᵢ (computed as mean·T) = U S Vᵀ; τ_m = mean(S) · U Vᵀ.</li>
 * <li>ISO-CTS: c0 = int(r·f), c = r − round_half_even((r − c0)/T)·T, p = ⌊(r − c)/T⌋; the common space is the top c
 * triplets of Σᵢ τᵢ; task i contributes the top p triplets of τᵢ − U_c U_cᵀ τᵢ (slots i·p..), the common
 * triplets fill slots T·p..T·p+c; Û, V̂ are the polar factors of the stacked U and Vᵀ; τ_m = mean(all r stacked
 * singular values) · Û V̂.</li>
 * </ul>
 * θ = θ0 + λ·τ_m (λ multiplies the mean parts too).
 */
public final class IsotropicMerging implements FusionAlgorithm {
    public static final MethodDeclaration ISO_C = new MethodDeclaration("isotropic_merging/iso_c", List.of("iso_c"),
            "isotropic merging in the common subspace: flatten the spectrum of the summed task vectors",
            List.of(CommonParameters.scalingFactor(1.0), CommonParameters.excludeKeys()),
            parameters -> new IsotropicMerging(parameters.getDouble("scaling_factor"), Double.NaN,
                    parameters.getStrings("exclude_keys")));
    public static final MethodDeclaration ISO_CTS = new MethodDeclaration("isotropic_merging/iso_cts", List.of("iso_cts"),
            "isotropic merging in common and task-specific subspaces",
            List.of(CommonParameters.scalingFactor(1.0),
                    ParameterSpec.of("common_space_fraction", ParameterType.FLOAT, 0.8, Domain.UNIT, "f, the share of the rank for the common space"),
                    CommonParameters.excludeKeys()),
            parameters -> new IsotropicMerging(parameters.getDouble("scaling_factor"),
                    parameters.getDouble("common_space_fraction"), parameters.getStrings("exclude_keys")));

    private final float scalingFactor;
    private final double commonSpaceFraction;
    private final Set<String> excludeKeys;

    /** A NaN common-space fraction selects ISO-C. */
    IsotropicMerging(double scalingFactor, double commonSpaceFraction, List<String> excludeKeys) {
        this.scalingFactor = (float) scalingFactor;
        this.commonSpaceFraction = commonSpaceFraction;
        this.excludeKeys = new HashSet<>(excludeKeys);
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained("isotropic_merging");
        List<ModelSource> models = pool.requireModels("isotropic_merging", 1);
        int count = models.size();
        return PerTensorPlan.build(pool, 3 * count + 6, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            Tensor[] tau = new Tensor[count];
            for (int i = 0; i < count; i++) {
                tau[i] = TensorInputs.taskVector(models.get(i), name, theta0, arena);
            }
            Tensor merged;
            if (shape.rank() != 2 || excludeKeys.contains(name)) {
                merged = TaskSingularVectorMerging.mean(tau, arena);
            } else if (Double.isNaN(commonSpaceFraction)) {
                merged = isoC(tau, arena);
            } else {
                merged = isoCts(tau, commonSpaceFraction, arena);
            }
            F32Tensors.addScaledInPlace(theta0, merged, scalingFactor);
            return theta0;
        });
    }

    /** Σᵢ τᵢ computed as mean · T, as FusionBench does. */
    private static Tensor sum(Tensor[] tau, Arena arena) {
        Tensor sum = TaskSingularVectorMerging.mean(tau, arena);
        F32Tensors.scaleInPlace(sum, tau.length);
        return sum;
    }

    static Tensor isoC(Tensor[] tau, Arena arena) {
        Svd svd = LinearAlgebra.svd(arena, SvdSteps.matrix(sum(tau, arena)));
        float meanS = mean(svd.singularValues());
        Matrix uv = LinearAlgebra.multiply(arena, svd.u(), svd.vt());
        Tensor out = uv.asTensor();
        F32Tensors.scaleInPlace(out, meanS);
        return out;
    }

    static Tensor isoCts(Tensor[] tau, double fraction, Arena arena) {
        int count = tau.length;
        long m = tau[0].shape().dim(0);
        long n = tau[0].shape().dim(1);
        int r = Math.toIntExact(Math.min(m, n));
        int c0 = (int) (r * fraction);
        int taskTotal = (int) Math.rint((double) (r - c0) / count) * count;
        int common = r - taskTotal;
        int perTask = (r - common) / count;
        Svd commonSvd = LinearAlgebra.svd(arena, SvdSteps.matrix(sum(tau, arena)));
        Matrix uCommon = Matrix.allocate(arena, m, common);
        SvdSteps.copyColumns(commonSvd.u(), uCommon, common, 0);
        Matrix uStack = Matrix.allocate(arena, m, r);
        Matrix vStack = Matrix.allocate(arena, r, n);
        float[] sStack = new float[r];
        for (int i = 0; i < count; i++) {
            // w = τᵢ − U_c (U_cᵀ τᵢ)
            Matrix task = Matrix.allocate(arena, m, n);
            task.data().copyFrom(tau[i].data());
            Matrix projected = Matrix.allocate(arena, common, n);
            LinearAlgebra.gemm(true, false, 1f, uCommon, SvdSteps.matrix(tau[i]), 0f, projected);
            LinearAlgebra.gemm(false, false, -1f, uCommon, projected, 1f, task);
            Svd svd = LinearAlgebra.svd(arena, task);
            SvdSteps.copyColumns(svd.u(), uStack, perTask, i * perTask);
            SvdSteps.copyRows(svd.vt(), vStack, perTask, i * perTask);
            System.arraycopy(svd.singularValues(), 0, sStack, i * perTask, perTask);
        }
        int at = count * perTask;
        SvdSteps.copyColumns(commonSvd.u(), uStack, common, at);
        SvdSteps.copyRows(commonSvd.vt(), vStack, common, at);
        System.arraycopy(commonSvd.singularValues(), 0, sStack, at, common);
        Matrix u = SvdSteps.polarFactor(arena, uStack);
        Matrix v = SvdSteps.polarFactor(arena, vStack);
        Tensor out = LinearAlgebra.multiply(arena, u, v).asTensor();
        F32Tensors.scaleInPlace(out, mean(sStack));
        return out;
    }

    private static float mean(float[] values) {
        float sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}

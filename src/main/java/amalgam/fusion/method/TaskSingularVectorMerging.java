package amalgam.fusion.method;

import amalgam.UserInputException;
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
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * FusionBench {@code task_singular_vector/TaskSingularVectorMerging} (TSV-M, Gargiulo et al., 2025). For each 2-D
 * tensor (m×n, r = min(m, n), k = int(r·(1/T))): τᵢ = UᵢSᵢVᵢᵀ; U_cat [m×r] holds Uᵢ[:, :k] in columns i·k..,
 * S_cat the Sᵢ[:k], V_cat [r×n] the Vᵢᵀ[:k, :] (leftover slots zero); Û, V̂ are the polar factors (A Bᵀ of
 * X = A Σ Bᵀ); τ_m = Û diag(S_cat) V̂. Other (non-2-D or excluded) tensors: τ_m = mean τᵢ. A scalar alpha scales
 * τ_m (mean parts too); a list alpha pre-scales each τᵢ instead. θ = θ0 + τ_m.
 */
public final class TaskSingularVectorMerging implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration(
            "task_singular_vector/TaskSingularVectorMerging", List.of("task_singular_vector", "tsv_m"),
            "task singular vectors: per-task top singular triplets, decorrelated by polar factors",
            List.of(ParameterSpec.of("alpha", ParameterType.FLOAT_OR_FLOAT_LIST, 1.0, Domain.REAL,
                            "post-scale of the merged task vector, or one pre-scale per task"),
                    CommonParameters.excludeKeys(),
                    ParameterSpec.of("return_single_task_models", ParameterType.BOOL, false,
                            "FusionBench also returns per-task models; only the merged model is produced here")),
            parameters -> new TaskSingularVectorMerging(parameters.get("alpha"), parameters.getStrings("exclude_keys")));

    private final Object alpha;
    private final Set<String> excludeKeys;

    /** {@code alpha} is a Double or a List of Double. */
    public TaskSingularVectorMerging(Object alpha, List<String> excludeKeys) {
        this.alpha = alpha;
        this.excludeKeys = new HashSet<>(excludeKeys);
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained(DECLARATION.configName());
        List<ModelSource> models = pool.requireModels(DECLARATION.configName(), 1);
        int count = models.size();
        float[] preScale = new float[count];
        float postScale;
        if (alpha instanceof List<?> list) {
            if (list.size() != count) {
                throw new UserInputException("parameter 'alpha' of method '" + DECLARATION.configName() + "' lists "
                        + list.size() + " values for " + count + " models");
            }
            for (int i = 0; i < count; i++) {
                preScale[i] = ((Number) list.get(i)).floatValue();
            }
            postScale = 1f;
        } else {
            java.util.Arrays.fill(preScale, 1f);
            postScale = ((Number) alpha).floatValue();
        }
        return PerTensorPlan.build(pool, 3 * count + 4, (name, shape, arena) -> {
            Tensor theta0 = TensorInputs.read(base, name, shape, arena);
            Tensor[] tau = new Tensor[count];
            for (int i = 0; i < count; i++) {
                tau[i] = TensorInputs.taskVector(models.get(i), name, theta0, arena);
                if (preScale[i] != 1f) {
                    F32Tensors.scaleInPlace(tau[i], preScale[i]);
                }
            }
            Tensor merged = shape.rank() == 2 && !excludeKeys.contains(name) ? merge(tau, arena) : mean(tau, arena);
            F32Tensors.addScaledInPlace(theta0, merged, postScale);
            return theta0;
        });
    }

    /** Mean of the task vectors, accumulated in float32. */
    static Tensor mean(Tensor[] tau, Arena arena) {
        Tensor sum = Tensor.allocate(arena, DType.F32, tau[0].shape());
        for (Tensor t : tau) {
            F32Tensors.addInPlace(sum, t);
        }
        F32Tensors.scaleInPlace(sum, 1f / tau.length);
        return sum;
    }

    /** TSV-M of one 2-D tensor's task vectors. */
    static Tensor merge(Tensor[] tau, Arena arena) {
        Shape shape = tau[0].shape();
        long m = shape.dim(0);
        long n = shape.dim(1);
        int r = Math.toIntExact(Math.min(m, n));
        int k = (int) (r * (1.0 / tau.length));
        Matrix uCat = Matrix.allocate(arena, m, r);
        Matrix vCat = Matrix.allocate(arena, r, n);
        float[] sCat = new float[r];
        for (int i = 0; i < tau.length; i++) {
            Svd svd = LinearAlgebra.svd(arena, SvdSteps.matrix(tau[i]));
            SvdSteps.copyColumns(svd.u(), uCat, k, i * k);
            SvdSteps.copyRows(svd.vt(), vCat, k, i * k);
            System.arraycopy(svd.singularValues(), 0, sCat, i * k, k);
        }
        Matrix u = SvdSteps.polarFactor(arena, uCat);
        Matrix v = SvdSteps.polarFactor(arena, vCat);
        return SvdSteps.compose(arena, u, sCat, v).asTensor();
    }
}

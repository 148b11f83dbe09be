package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.FusionJob;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.param.Domain;
import amalgam.fusion.param.ParameterType;
import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.MatrixD;
import amalgam.linalg.SvdD;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FusionBench {@code singular_value_calibration/*}: run a base merge, then calibrate every 2-D tensor in float64.
 * ΔM = W_merged − W0 = U S Vᵀ (thin), Δᵢ = Wᵢ − W0; per singular direction r: a_r = u_rᵀ ΔM, a_{r,i} = u_rᵀ Δᵢ,
 * s_{r,i} = ⟨a_r, a_{r,i}⟩ / max(‖a_{r,i}‖², 1e-12) (NaN or −∞ become alpha), γ_r = T / Σᵢ max(alpha, s_{r,i});
 * W = W0 + U diag(γ⊙S) Vᵀ. Other tensors keep the base merge's value. The base method's parameters are
 * {@code base_method.NAME}.
 */
public final class SingularValueCalibration implements FusionAlgorithm {
    private final FusionAlgorithm baseMethod;
    private final double alpha;

    SingularValueCalibration(FusionAlgorithm baseMethod, double alpha) {
        this.baseMethod = baseMethod;
        this.alpha = alpha;
    }

    public static final List<MethodDeclaration> DECLARATIONS = List.of(
            over("simple_average", SimpleAverage.DECLARATION, 0.1, Map.of(), "base_method."),
            over("task_arithmetic", TaskArithmetic.DECLARATION, 0.1, Map.of(), ""),
            over("ties_merging", TiesMerging.DECLARATION, 0.1, Map.of(), "base_method."),
            over("dare_task_arithmetic", DareTaskArithmetic.DECLARATION, 0.1, Map.of(), "base_method."),
            over("iso_c", IsotropicMerging.ISO_C, 0.1, Map.of("scaling_factor", 1.5), "base_method."),
            over("iso_cts", IsotropicMerging.ISO_CTS, 0.2, Map.of("scaling_factor", 1.5), "base_method."),
            over("task_singular_vector", TaskSingularVectorMerging.DECLARATION, 1.0, Map.of(), "base_method."));

    /**
     * The declaration {@code singular_value_calibration/NAME} over a base method with FusionBench's defaults; the
     * base method's parameters are named {@code prefix + NAME} (FusionBench's task-arithmetic variant is its own
     * class with a plain {@code scaling_factor}).
     */
    static MethodDeclaration over(String name, MethodDeclaration base, double defaultAlpha, Map<String, Object> baseDefaults,
                                  String prefix) {
        List<ParameterSpec> parameters = new ArrayList<>();
        parameters.add(ParameterSpec.of("alpha", ParameterType.FLOAT, defaultAlpha, Domain.POSITIVE,
                "floor of the per-task calibration ratios (> 0: the ratios' sum divides T)"));
        parameters.add(ParameterSpec.nullable("accelerator", ParameterType.STRING, null, "accepted for compatibility; CPU only"));
        for (ParameterSpec spec : base.parameters()) {
            Object value = baseDefaults.containsKey(spec.name()) ? (Object) ((Number) baseDefaults.get(spec.name())).doubleValue()
                    : spec.defaultValue();
            parameters.add(spec.renamed(prefix + spec.name(), value, "base method: " + spec.description()));
        }
        return new MethodDeclaration("singular_value_calibration/" + name, List.of(),
                "singular value calibration of " + base.configName(), parameters, resolved -> {
                    Map<String, Object> baseValues = new LinkedHashMap<>();
                    resolved.asMap().forEach((key, value) -> {
                        if (!key.equals("alpha") && !key.equals("accelerator")) {
                            baseValues.put(key.substring(prefix.length()), value);
                        }
                    });
                    FusionAlgorithm baseAlgorithm = (FusionAlgorithm) base.create(
                            MethodParameters.resolve(base.configName(), base.parameters(), baseValues));
                    return new SingularValueCalibration(baseAlgorithm, resolved.getDouble("alpha"));
                });
    }

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource base = pool.requirePretrained("singular_value_calibration");
        List<ModelSource> models = pool.requireModels("singular_value_calibration", 1);
        List<TensorJob> jobs = new ArrayList<>();
        for (TensorJob job : baseMethod.plan(pool, seed)) {
            if (job.outputShape().rank() != 2 || !job.outputDType().isFloatingPoint()) {
                jobs.add(job);
                continue;
            }
            Shape shape = job.outputShape();
            long bytes = job.workingBytes() + shape.elementCount() * Double.BYTES * (models.size() + 6L);
            jobs.add(new FusionJob(job.outputName(), job.outputDType(), shape, bytes, arena -> {
                Tensor merged = job.compute(arena);
                Tensor theta0 = TensorInputs.read(base, job.outputName(), shape, arena);
                Tensor[] tau = new Tensor[models.size()];
                for (int i = 0; i < tau.length; i++) {
                    tau[i] = TensorInputs.taskVector(models.get(i), job.outputName(), theta0, arena);
                }
                return calibrate(merged, theta0, tau, alpha, arena);
            }));
        }
        return jobs;
    }

    static Tensor calibrate(Tensor merged, Tensor theta0, Tensor[] tau, double alpha, Arena arena) {
        long m = merged.shape().dim(0);
        long n = merged.shape().dim(1);
        MatrixD delta = MatrixD.allocate(arena, m, n);
        for (long i = 0; i < m; i++) {
            for (long j = 0; j < n; j++) {
                delta.set(i, j, (double) merged.getFloat(i * n + j) - theta0.getFloat(i * n + j));
            }
        }
        SvdD svd = LinearAlgebra.svd(arena, delta);
        double[] s = svd.singularValues();
        int rank = s.length;
        MatrixD response = MatrixD.allocate(arena, rank, n);
        LinearAlgebra.gemm(true, false, 1.0, svd.u(), delta, 0.0, response);
        double[] ratioSum = new double[rank];
        for (Tensor t : tau) {
            MatrixD task = MatrixD.allocate(arena, m, n);
            for (long i = 0, count = m * n; i < count; i++) {
                task.set(i / n, i % n, t.getFloat(i));
            }
            MatrixD taskResponse = MatrixD.allocate(arena, rank, n);
            LinearAlgebra.gemm(true, false, 1.0, svd.u(), task, 0.0, taskResponse);
            for (int r = 0; r < rank; r++) {
                double dot = 0;
                double squared = 0;
                for (long j = 0; j < n; j++) {
                    double ai = taskResponse.get(r, j);
                    dot += response.get(r, j) * ai;
                    squared += ai * ai;
                }
                double ratio = dot / Math.max(squared, 1e-12);
                if (Double.isNaN(ratio) || ratio == Double.NEGATIVE_INFINITY) {
                    ratio = alpha;
                }
                ratioSum[r] += Math.max(alpha, ratio);
            }
        }
        MatrixD scaledU = MatrixD.allocate(arena, m, rank);
        for (long i = 0; i < m; i++) {
            for (int r = 0; r < rank; r++) {
                scaledU.set(i, r, svd.u().get(i, r) * (tau.length / ratioSum[r]) * s[r]);
            }
        }
        MatrixD calibrated = MatrixD.allocate(arena, m, n);
        LinearAlgebra.gemm(false, false, 1.0, scaledU, svd.vt(), 0.0, calibrated);
        Tensor out = Tensor.allocate(arena, DType.F32, merged.shape());
        for (long i = 0; i < m; i++) {
            for (long j = 0; j < n; j++) {
                out.setFloat(i * n + j, (float) (theta0.getFloat(i * n + j) + calibrated.get(i, j)));
            }
        }
        return out;
    }
}

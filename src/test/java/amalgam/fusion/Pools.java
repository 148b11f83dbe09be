package amalgam.fusion;

import amalgam.merge.InMemoryModelSource;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test helpers: tiny in-memory pools and a sequential job runner. */
public final class Pools {
    private Pools() {
    }

    /** A model with one F32 tensor per (name, values) pair; shapes are 1-D unless the name is in {@code shapes}. */
    public static ModelSource model(String name, Object... namesAndValues) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            Object value = namesAndValues[i + 1];
            tensors.put((String) namesAndValues[i], value instanceof Tensor t ? t : vector((float[]) value));
        }
        return new InMemoryModelSource(name, tensors);
    }

    public static Tensor vector(float... values) {
        return Tensor.ofFloats(values, values.length);
    }

    public static Tensor matrix(int rows, int cols, float... values) {
        return Tensor.ofFloats(values, rows, cols);
    }

    public static ModelPool pool(ModelSource... models) {
        return new ModelPool(List.of(models));
    }

    /** Runs every job (in the given order) and returns the outputs as float arrays by name. */
    public static Map<String, float[]> run(List<TensorJob> jobs) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (TensorJob job : jobs) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor result = job.compute(arena);
                if (!result.shape().equals(job.outputShape())) {
                    throw new AssertionError(job.outputName() + ": shape " + result.shape() + " != " + job.outputShape());
                }
                out.put(job.outputName(), result.toFloatArray());
            }
        }
        return out;
    }

    public static Map<String, float[]> run(FusionAlgorithm algorithm, ModelPool pool, long seed) {
        return run(algorithm.plan(pool, seed));
    }

    public static Map<String, float[]> runReversed(FusionAlgorithm algorithm, ModelPool pool, long seed) {
        List<TensorJob> jobs = new ArrayList<>(algorithm.plan(pool, seed));
        java.util.Collections.reverse(jobs);
        return run(jobs);
    }

    public static FusionAlgorithm method(String name, Object... keyValues) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            parameters.put((String) keyValues[i], keyValues[i + 1]);
        }
        return MethodRegistry.createMerge(name, parameters);
    }
}

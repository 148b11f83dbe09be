package amalgam.fusion;

import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds one job per tensor of the pool's reference model (the pretrained model, else the first model): floating
 * tensors get the method's computation, integer and boolean tensors pass through from the reference unchanged.
 */
public final class PerTensorPlan {
    /** The float32 computation of one output tensor. */
    @FunctionalInterface
    public interface TensorComputation {
        Tensor compute(String tensorName, Shape shape, Arena arena);
    }

    private PerTensorPlan() {
    }

    /**
     * Jobs for every tensor of the reference model. {@code buffers} is how many tensor-sized float32 buffers the
     * computation holds at once (for the engine's memory budget).
     */
    public static List<TensorJob> build(ModelPool pool, int buffers, TensorComputation computation) {
        return build(pool.reference(), buffers, computation);
    }

    public static List<TensorJob> build(ModelSource reference, int buffers, TensorComputation computation) {
        List<TensorJob> jobs = new ArrayList<>();
        for (String name : reference.tensorNames()) {
            DType dtype = reference.dtypeOf(name);
            Shape shape = reference.shapeOf(name);
            if (!dtype.isFloatingPoint()) {
                jobs.add(passThrough(reference, name, dtype, shape));
            } else {
                long bytes = shape.elementCount() * Float.BYTES * (long) Math.max(1, buffers);
                String referenceName = reference.name();
                jobs.add(new FusionJob(name, dtype, shape, bytes, arena -> TensorInputs.withReference(referenceName,
                        () -> computation.compute(name, shape, arena))));
            }
        }
        return jobs;
    }

    /**
     * Jobs for a model computed in memory (by a data-dependent method): tensors in {@code computed} (float32, the
     * reference's shapes) are written from memory in the reference's dtype; every other tensor of the reference
     * passes through unchanged (θ0's value, as FusionBench keeps what a method does not merge).
     */
    public static List<TensorJob> fromMemory(ModelSource reference, java.util.Map<String, Tensor> computed) {
        List<TensorJob> jobs = new ArrayList<>();
        for (String name : reference.tensorNames()) {
            DType dtype = reference.dtypeOf(name);
            Shape shape = reference.shapeOf(name);
            Tensor value = computed.get(name);
            if (value == null) {
                jobs.add(passThrough(reference, name, dtype, shape));
                continue;
            }
            if (!value.shape().equals(shape) || value.dtype() != DType.F32) {
                throw new IllegalArgumentException("computed '" + name + "' is " + value.dtype() + " " + value.shape()
                        + ", the reference has " + shape);
            }
            jobs.add(new FusionJob(name, dtype, shape, shape.elementCount() * Float.BYTES, arena -> {
                Tensor copy = Tensor.allocate(arena, DType.F32, shape);
                copy.data().copyFrom(value.data());
                return copy;
            }));
        }
        return jobs;
    }

    /**
     * A job writing {@code model}'s tensor {@code sourceName} as {@code outputName} in {@code outputDType}: the stored
     * bytes when the dtypes agree, else its float32 value converted (a model stored in another dtype than the reference).
     */
    public static TensorJob copyAs(ModelSource model, String sourceName, String outputName, DType outputDType) {
        DType stored = model.dtypeOf(sourceName);
        Shape shape = model.shapeOf(sourceName);
        if (stored == outputDType) {
            return storedCopy(model, sourceName, outputName, stored, shape);
        }
        String referenceName = model.name();
        return new FusionJob(outputName, outputDType, shape, shape.elementCount() * Float.BYTES,
                arena -> TensorInputs.withReference(referenceName, () -> TensorInputs.read(model, sourceName, shape, arena)));
    }

    /** A job copying the model's tensor unchanged in its own dtype. */
    public static TensorJob passThrough(ModelSource model, String name, DType dtype, Shape shape) {
        return storedCopy(model, name, name, dtype, shape);
    }

    private static TensorJob storedCopy(ModelSource model, String name, String outputName, DType dtype, Shape shape) {
        return new FusionJob(outputName, dtype, shape, shape.byteSize(dtype), arena -> {
            Tensor stored = model.tensor(name);
            TensorInputs.checkFinite(model, name, stored);
            Tensor copy = Tensor.allocate(arena, stored.dtype(), stored.shape());
            copy.data().copyFrom(stored.data());
            model.release(name);
            return copy;
        });
    }
}

package amalgam.merge;

import amalgam.UserInputException;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.NonFinite;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The last check before a merged tensor is written: NaN or infinities a method produced from finite inputs (a
 * degenerate SVD, a division by zero) are an error naming method and tensor, so no such model is ever published.
 * Non-finite values that may have come from the inputs (with {@code --allow-nonfinite}) are let through.
 */
public final class FiniteOutputs {
    private FiniteOutputs() {
    }

    /** The jobs, each checking its float32 result; {@code inputs} says which tensors had non-finite inputs. */
    public static List<TensorJob> checked(List<TensorJob> jobs, String method, NonFiniteInputs inputs) {
        return jobs.stream().<TensorJob>map(job -> new Checked(job, method, inputs)).toList();
    }

    /** Refuses {@code count} float32 values of output tensor {@code tensor} if any is non-finite. */
    public static void check(String method, String tensor, MemorySegment values, long count) {
        long index = NonFinite.firstIndex(values, count);
        if (index >= 0) {
            throw new UserInputException("merge method '" + method + "' produced " + NonFinite.count(values, count)
                    + " non-finite value(s) in tensor '" + tensor + "' (element " + index + " is "
                    + values.getAtIndex(Layouts.F32, index) + ") from finite inputs; the parameters or the models make"
                    + " it degenerate here, and no output was written");
        }
    }

    private record Checked(TensorJob job, String method, NonFiniteInputs inputs) implements TensorJob {
        @Override
        public String outputName() {
            return job.outputName();
        }

        @Override
        public DType outputDType() {
            return job.outputDType();
        }

        @Override
        public amalgam.tensor.Shape outputShape() {
            return job.outputShape();
        }

        @Override
        public long workingBytes() {
            return job.workingBytes();
        }

        /** Pass-through tensors in their stored dtype were checked as inputs; computed ones are float32. */
        @Override
        public Tensor compute(Arena arena) {
            Tensor result = job.compute(arena);
            if (result.dtype() == DType.F32 && !inputs.mayReach(job.outputName())) {
                check(method, job.outputName(), result.data(), result.elementCount());
            }
            return result;
        }
    }
}

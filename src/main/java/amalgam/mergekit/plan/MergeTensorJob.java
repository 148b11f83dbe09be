package amalgam.mergekit.plan;

import amalgam.UserInputException;
import amalgam.merge.FiniteOutputs;
import amalgam.merge.NonFiniteInputs;
import amalgam.merge.TensorJob;
import amalgam.tensor.kernel.NonFinite;
import amalgam.mergekit.method.MergeMethod;
import amalgam.mergekit.method.MergeRequest;
import amalgam.mergekit.method.MergedTensor;
import amalgam.mergekit.method.Precision;
import amalgam.mergekit.method.ShapeRule;
import amalgam.mergekit.method.TensorInput;
import amalgam.mergekit.tokenizer.EmbeddingRowPlan;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One planned output tensor: reads every input, rounds it to the working dtype, re-indexes embedding rows to a
 * merged vocabulary ({@code rowPlan}, null without one), aligns shapes by the method's {@link ShapeRule}, runs the
 * method and returns the result as float32 (the engine narrows to {@link #outputDType()}). Inputs are checked for
 * NaN and infinities as they are read ({@code nonFiniteInputs} refuses or lets them through) and the result before
 * it is returned, unless an input of this tensor was non-finite.
 */
public record MergeTensorJob(String outputName, DType outputDType, Shape outputShape, boolean isEmbed,
                             MergeMethod method, List<InputTensor> inputs, int baseIndex, Map<String, Double> globals,
                             DType workingDType, long seed, EmbeddingRowPlan rowPlan, NonFiniteInputs nonFiniteInputs)
        implements TensorJob {
    private static final System.Logger LOG = System.getLogger(MergeTensorJob.class.getName());

    @Override
    public long workingBytes() {
        if (rowPlan != null) {
            // stored inputs, their re-indexed copies, fallback rows, then the method's scratch and result
            long elements = Math.max(outputShape.elementCount(), rowPlan.largestInputElements());
            return (3L * inputs.size() + 4) * elements * Float.BYTES;
        }
        return (2L * inputs.size() + 3) * outputShape.elementCount() * Float.BYTES;
    }

    /** Runs the method on plain float arrays (the job without its arena). */
    public MergedTensor mergeValues() {
        List<TensorInput> values = new ArrayList<>();
        Precision precision = new Precision(workingDType);
        boolean nonFiniteInput = false;
        for (InputTensor input : inputs) {
            Tensor tensor = input.source().tensor(input.tensorName());
            float[] array = toFloats(tensor);
            precision.roundInPlace(array);
            // after rounding: a value the working dtype cannot hold is as non-finite as a stored one
            long index = NonFinite.firstIndex(MemorySegment.ofArray(array), array.length);
            if (index >= 0) {
                nonFiniteInputs.found(input.modelName(), input.tensorName(), index, array[(int) index]);
                nonFiniteInput = true;
            }
            values.add(new TensorInput(input.modelIndex(), input.modelName(), tensor.shape(), array, input.parameters()));
            input.source().release(input.tensorName());
        }
        if (rowPlan != null) {
            values = reindexed(values, precision);
        }
        ShapeRule.Aligned aligned = method.shapeRule().align(outputName, isEmbed, values, baseIndex);
        if (!aligned.droppedModels().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "tensor ''{0}'': shape differs from the base model; left out of the merge: {1}",
                    outputName, aligned.droppedModels());
        }
        MergedTensor merged = method.merge(new MergeRequest(outputName, isEmbed, aligned.inputs(), aligned.baseIndex(),
                globals, precision, seed));
        if (!merged.shape().equals(outputShape)) {
            throw new UserInputException("tensor '" + outputName + "': merged shape " + merged.shape()
                    + " differs from the planned " + outputShape);
        }
        if (!nonFiniteInput) {
            FiniteOutputs.check(method.name(), outputName, MemorySegment.ofArray(merged.values()), merged.values().length);
        }
        return merged;
    }

    private List<TensorInput> reindexed(List<TensorInput> values, Precision precision) {
        List<float[]> matrices = rowPlan.apply(values.stream().map(TensorInput::values).toList(), precision);
        List<TensorInput> reindexed = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            reindexed.add(values.get(i).withValues(rowPlan.shape(), matrices.get(i)));
        }
        return reindexed;
    }

    @Override
    public Tensor compute(Arena arena) {
        MergedTensor merged = mergeValues();
        Tensor out = Tensor.allocate(arena, DType.F32, merged.shape());
        MemorySegment.copy(merged.values(), 0, out.data(), Layouts.F32, 0, merged.values().length);
        return out;
    }

    static float[] toFloats(Tensor tensor) {
        int n = Math.toIntExact(tensor.elementCount());
        float[] array = new float[n];
        if (tensor.dtype() == DType.F32) {
            MemorySegment.copy(tensor.data(), Layouts.F32, 0, array, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                array[i] = tensor.getFloat(i);
            }
        }
        return array;
    }
}

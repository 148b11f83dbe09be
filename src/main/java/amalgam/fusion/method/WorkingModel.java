package amalgam.fusion.method;

import amalgam.fusion.FusionJob;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.io.ScratchMapping;
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
 * A whole model held in float32 while a continual method updates it (one model, independent of the number of
 * merged models). Covers the floating tensors of a reference model; jobs copy the final values out. It lives in a
 * {@link ScratchMapping} — file-backed pages the kernel can write back — not in anonymous memory, so a continual
 * merge of a model larger than the memory budget stays within it.
 */
final class WorkingModel {
    private final ModelSource reference;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Arena arena;

    private WorkingModel(ModelSource reference, Arena arena) {
        this.reference = reference;
        this.arena = arena;
    }

    /** A float32 copy of {@code source}'s tensors over the floating tensors of {@code reference}. */
    static WorkingModel copyOf(ModelSource reference, ModelSource source) {
        long bytes = 0;
        for (String name : reference.tensorNames()) {
            if (reference.dtypeOf(name).isFloatingPoint()) {
                bytes += ScratchMapping.footprint(reference.shapeOf(name).byteSize(DType.F32));
            }
        }
        WorkingModel model = new WorkingModel(reference, ScratchMapping.of(bytes));
        for (String name : reference.tensorNames()) {
            Tensor stored = reference.tensor(name);
            if (stored.dtype().isFloatingPoint()) {
                model.tensors.put(name, TensorInputs.read(source, name, stored.shape(), model.arena));
            }
            reference.release(name);
        }
        return model;
    }

    Map<String, Tensor> tensors() {
        return tensors;
    }

    Tensor get(String name) {
        return tensors.get(name);
    }

    Shape shape(String name) {
        return tensors.get(name).shape();
    }

    /** Jobs writing the held values (dtype of the reference); integer tensors pass through from the reference. */
    List<TensorJob> jobs() {
        List<TensorJob> jobs = new ArrayList<>();
        for (String name : reference.tensorNames()) {
            Tensor stored = reference.tensor(name);
            DType dtype = stored.dtype();
            Shape shape = stored.shape();
            reference.release(name);
            Tensor value = tensors.get(name);
            if (value == null) {
                jobs.add(PerTensorPlan.passThrough(reference, name, dtype, shape));
            } else {
                jobs.add(new FusionJob(name, dtype, shape, shape.byteSize(DType.F32), jobArena -> {
                    Tensor copy = Tensor.allocate(jobArena, DType.F32, shape);
                    copy.data().copyFrom(value.data());
                    return copy;
                }));
            }
        }
        return jobs;
    }
}

package amalgam.fusion.method.analysis;

import amalgam.fusion.ModelPool;
import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * Streams a pool's task vectors τᵢ = θᵢ − θ0 tensor by tensor, over the pretrained model's floating-point tensors in
 * its order (together they are the flattened task vectors FusionBench analyses), one tensor of every model in
 * memory at a time.
 */
final class TaskVectors {
    /** Receives one tensor's task vectors, in pool order, and where the tensor starts in the flattened vector. */
    interface Consumer {
        void accept(String name, long offset, Tensor[] taskVectors);
    }

    private TaskVectors() {
    }

    /** The flattened length: the element count of the pretrained model's floating-point tensors. */
    static long length(ModelSource pretrained) {
        long length = 0;
        for (String name : pretrained.tensorNames()) {
            if (pretrained.dtypeOf(name).isFloatingPoint()) {
                length += pretrained.shapeOf(name).elementCount();
            }
        }
        return length;
    }

    static void stream(ModelSource pretrained, List<ModelSource> models, Consumer consumer) {
        long offset = 0;
        for (String name : pretrained.tensorNames()) {
            if (!pretrained.dtypeOf(name).isFloatingPoint()) {
                continue;
            }
            try (Arena arena = Arena.ofConfined()) {
                Tensor theta0 = TensorInputs.read(pretrained, name, pretrained.shapeOf(name), arena);
                Tensor[] vectors = new Tensor[models.size()];
                for (int i = 0; i < vectors.length; i++) {
                    vectors[i] = TensorInputs.taskVector(models.get(i), name, theta0, arena);
                    models.get(i).release(name);
                }
                pretrained.release(name);
                consumer.accept(name, offset, vectors);
                offset += theta0.elementCount();
            }
        }
    }

    /** The pool's pretrained model and task models, refusing a pool without them. */
    static ModelSource pretrained(ModelPool pool, String method) {
        pool.requireModels(method, 1);
        return pool.requirePretrained(method);
    }
}

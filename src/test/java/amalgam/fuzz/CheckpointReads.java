package amalgam.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.io.Checkpoint;
import amalgam.io.TensorInfo;
import amalgam.tensor.Tensor;
import java.nio.file.Path;

/** Opens a checkpoint as {@code amalgam inspect} and a merge do, and reads every tensor it lists. */
final class CheckpointReads {
    private CheckpointReads() {
    }

    static void readAll(Path file) {
        try (Checkpoint checkpoint = Checkpoint.open(file)) {
            checkpoint.metadata();
            for (TensorInfo info : checkpoint.tensors()) {
                Tensor tensor = checkpoint.tensor(info.name());
                long elements = tensor.elementCount();
                assertEquals(elements * tensor.dtype().byteSize(), tensor.byteSize(), "bytes of tensor " + info.name());
                assertEquals(info.shape(), tensor.shape(), "shape of tensor " + info.name());
                for (long i = 0; i < Math.min(elements, 64); i++) {
                    tensor.getFloat(i);
                }
                if (elements > 0) {
                    tensor.getFloat(elements - 1);
                }
                checkpoint.release(info.name());
            }
        }
    }
}

package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.LearnedCoefficients;
import amalgam.io.TensorInfo;
import amalgam.io.TorchFile;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

/**
 * AdaMerging coefficients as FusionBench saves them ({@code torch.save} of the merge weight): task-wise a tensor [T],
 * layer-wise [T, L] with the L columns in the order of the tower's {@code named_parameters()}
 * ({@link amalgam.model.clip.ClipKeys#visionParameterOrder}). Read into a table with amalgam's rows (the pool's models,
 * in order) and columns (its tensor names, or "all"), the columns matched by name.
 */
final class TorchMergingWeights {
    private TorchMergingWeights() {
    }

    static boolean handles(Path file) {
        String leaf = file.getFileName().toString();
        return leaf.endsWith(".pt") || leaf.endsWith(".pth") || leaf.endsWith(".bin");
    }

    /**
     * @param torchOrder the tower's tensor names in torch's parameter order (layer-wise); unused task-wise
     * @param columns    the table's columns: tensor names (layer-wise) or the single "all" (task-wise)
     */
    static LearnedCoefficients load(Path file, String name, List<String> rows, List<String> columns, List<String> torchOrder) {
        try (TorchFile stored = TorchFile.open(file); Arena arena = Arena.ofConfined()) {
            List<TensorInfo> tensors = stored.tensors();
            if (tensors.size() != 1) {
                throw new UserInputException("'" + file + "' holds " + tensors.size() + " tensors; merging weights are one tensor");
            }
            Tensor table = Convert.toF32(stored.tensor(tensors.getFirst().name()), arena);
            boolean taskWise = columns.size() == 1 && columns.getFirst().equals("all");
            long expectedColumns = taskWise ? 1 : torchOrder.size();
            boolean fits = taskWise ? table.shape().elementCount() == rows.size() && table.shape().rank() <= 2
                    : table.shape().rank() == 2 && table.shape().dim(0) == rows.size() && table.shape().dim(1) == expectedColumns;
            if (!fits) {
                throw new UserInputException("'" + file + "' holds a tensor of shape " + table.shape() + "; this pool needs "
                        + (taskWise ? "[" + rows.size() + "]" : "[" + rows.size() + ", " + expectedColumns + "]")
                        + " (" + rows.size() + " models" + (taskWise ? ")" : " x " + expectedColumns + " parameters)"));
            }
            float[] values = new float[rows.size() * columns.size()];
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < columns.size(); c++) {
                    int source = taskWise ? r : r * torchOrder.size() + torchOrder.indexOf(columns.get(c));
                    float value = table.getFloat(source);
                    if (!Float.isFinite(value)) {
                        throw new UserInputException("'" + file + "' holds a non-finite coefficient at " + source);
                    }
                    values[r * columns.size() + c] = value;
                }
            }
            return new LearnedCoefficients(name, rows, columns, values);
        }
    }
}

package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.SafetensorsFile;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * A table a method learned: one row per model it weighs (task models in pool order), one column per group of
 * parameters (one per parameter tensor for layer-wise AdaMerging, one in all for task-wise), as FusionBench saves
 * merging weights ([models, groups]). Saved as safetensors: tensor {@code NAME} F32 [rows, columns] with the row and
 * column names in the metadata, so a later run can load it back ({@code method.weights=FILE}).
 *
 * @param name    what the table holds ("merging_weights", "mask_logits", ...)
 * @param rows    row names (model names)
 * @param columns column names (parameter names or groups)
 * @param values  row-major [rows, columns]
 */
public record LearnedCoefficients(String name, List<String> rows, List<String> columns, float[] values) {
    private static final String ROWS = "amalgam.rows";
    private static final String COLUMNS = "amalgam.columns";

    public LearnedCoefficients {
        rows = List.copyOf(rows);
        columns = List.copyOf(columns);
        if ((long) rows.size() * columns.size() != values.length) {
            throw new IllegalArgumentException(values.length + " values for " + rows.size() + " x " + columns.size());
        }
        values = values.clone();
    }

    public float get(int row, int column) {
        return values[row * columns.size() + column];
    }

    @Override
    public float[] values() {
        return values.clone();
    }

    /** Writes the table as one safetensors file, atomically. */
    public void save(Path file, SequencedMap<String, String> extraMetadata) {
        SequencedMap<String, String> metadata = new LinkedHashMap<>(extraMetadata);
        metadata.put(ROWS, String.join("\n", rows));
        metadata.put(COLUMNS, String.join("\n", columns));
        Tensor table = Tensor.ofFloats(values.clone(), rows.size(), columns.size());
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(new TensorEntry(name, DType.F32, table.shape())),
                metadata)) {
            writer.write(name, table);
            writer.commit();
        }
    }

    /**
     * Reads a table saved by {@link #save}, checked against the rows and columns the caller expects (a table learned
     * for another pool is refused with what differs).
     */
    public static LearnedCoefficients load(Path file, String name, List<String> rows, List<String> columns) {
        try (SafetensorsFile stored = SafetensorsFile.open(file)) {
            if (stored.find(name).isEmpty()) {
                throw new UserInputException("'" + file + "' holds no tensor '" + name + "'");
            }
            Tensor table = stored.tensor(name);
            Shape expected = Shape.of(rows.size(), columns.size());
            if (table.dtype() != DType.F32 || !table.shape().equals(expected)) {
                throw new UserInputException("'" + file + "': '" + name + "' is " + table.dtype() + " " + table.shape()
                        + ", this pool needs F32 " + expected + " (" + rows.size() + " models x " + columns.size() + " groups)");
            }
            String storedRows = stored.metadata().get(ROWS);
            String storedColumns = stored.metadata().get(COLUMNS);
            if (storedRows != null && !storedRows.equals(String.join("\n", rows))) {
                throw new UserInputException("'" + file + "' was learned for models " + List.of(storedRows.split("\n"))
                        + ", this pool has " + rows);
            }
            if (storedColumns != null && !storedColumns.equals(String.join("\n", columns))) {
                throw new UserInputException("'" + file + "' was learned for other parameter groups than this pool's");
            }
            float[] values = new float[rows.size() * columns.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = table.getFloat(i);
                if (!Float.isFinite(values[i])) {
                    throw new UserInputException("'" + file + "': '" + name + "' holds a non-finite value at " + i);
                }
            }
            return new LearnedCoefficients(name, rows, columns, values);
        }
    }
}

package amalgam.mergekit.tokenizer;

import amalgam.UserInputException;
import amalgam.mergekit.config.EmbeddingSource;
import amalgam.mergekit.config.ModelReference;
import amalgam.mergekit.config.TokenEmbedding;
import amalgam.mergekit.method.Precision;
import amalgam.tensor.Shape;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * How one embedding-like tensor ({@code is_embed}: token embeddings, LM head) of every input model is re-indexed to
 * the output vocabulary before the merge method sees it (mergekit's {@code PermutedEmbeddings}, spec 1.7). Decided
 * while planning, so every configuration error surfaces before anything is written; applied to the values when the
 * tensor is merged.
 *
 * <p>Output row {@code j} (token {@code t}) of input model {@code i} is model {@code i}'s own row for {@code t} if it
 * has the token (id below its {@code vocab_size}) and {@code t} is not {@code force}d; otherwise the fallback row of
 * {@code t}:
 * <ul>
 *   <li>the explicit {@code tokenizer.tokens.t.source}: a model's row for {@code t}, a row of a model's original
 *       vocabulary ({@code kind: model_token}, by token or id), or zeros ({@code kind: zero});</li>
 *   <li>else: the row of the only model having {@code t}; zeros when no model has it; the base model's row when the
 *       base has it; otherwise the mean of the rows of every model having it (summed in input order, rounded to the
 *       working dtype after every step, as torch does).</li>
 * </ul>
 * Rows past the vocabulary ({@code pad_to_multiple_of}) are the column means of the model's first
 * {@code vocabulary size} output rows.
 */
public final class EmbeddingRowPlan {
    private static final byte ZERO = 1;
    private static final byte COPY = 2;
    private static final byte MEAN = 3;
    /** Largest float[] the JVM allocates. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final int vocabularySize;
    private final int paddedRows;
    private final int columns;
    private final long largestInputElements;
    private final int[][] rows;          // [input][token]: the model's row for the token, or -1
    private final BitSet forced;          // tokens every model takes from the fallback
    private final byte[] fallbackKind;    // [token]: 0 = not needed, ZERO, COPY or MEAN
    private final int[] fallbackInput;    // [token]: COPY's input
    private final int[] fallbackRow;      // [token]: COPY's row in that input

    private EmbeddingRowPlan(int vocabularySize, int paddedRows, int columns, long largestInputElements, int[][] rows,
                             BitSet forced, byte[] fallbackKind, int[] fallbackInput, int[] fallbackRow) {
        this.vocabularySize = vocabularySize;
        this.paddedRows = paddedRows;
        this.columns = columns;
        this.largestInputElements = largestInputElements;
        this.rows = rows;
        this.forced = forced;
        this.fallbackKind = fallbackKind;
        this.fallbackInput = fallbackInput;
        this.fallbackRow = fallbackRow;
    }

    /**
     * Plans the re-indexing of one tensor.
     *
     * @param tensorName output tensor name, for messages
     * @param vocabulary the output vocabulary
     * @param paddedRows output rows: the vocabulary size rounded up to {@code pad_to_multiple_of}
     * @param inputs     the tokenizer of each model providing this tensor, in input order
     * @param shapes     the stored shape of each input's tensor
     * @param baseIndex  the base model's position in {@code inputs}, or -1
     * @param tokens     {@code tokenizer.tokens}
     */
    public static EmbeddingRowPlan plan(String tensorName, OutputVocabulary vocabulary, int paddedRows,
                                        List<ModelTokenizer> inputs, List<Shape> shapes, int baseIndex,
                                        Map<String, TokenEmbedding> tokens) {
        long columns = checkShapes(tensorName, inputs, shapes, paddedRows);
        int size = vocabulary.size();
        int[][] rows = new int[inputs.size()][size];
        for (int i = 0; i < inputs.size(); i++) {
            ModelTokenizer model = inputs.get(i);
            long stored = shapes.get(i).dim(0);
            for (int j = 0; j < size; j++) {
                int row = model.rowOf(vocabulary.tokens().get(j));
                if (row >= stored) {
                    throw new UserInputException("tensor '" + tensorName + "' of model '" + model.model() + "' has "
                            + stored + " rows, but its tokenizer gives token '" + vocabulary.tokens().get(j) + "' id "
                            + row + " (below its vocab_size " + model.vocabSize() + ")");
                }
                rows[i][j] = row;
            }
        }
        BitSet forced = new BitSet(size);
        byte[] kind = new byte[size];
        int[] input = new int[size];
        int[] row = new int[size];
        for (int j = 0; j < size; j++) {
            String token = vocabulary.tokens().get(j);
            TokenEmbedding setting = tokens.get(token);
            if (setting != null && setting.force()) {
                forced.set(j);
            }
            int present = 0;
            int only = -1;
            for (int i = 0; i < inputs.size(); i++) {
                if (rows[i][j] >= 0) {
                    present++;
                    only = i;
                }
            }
            if (setting != null && setting.source() != null) {
                explicit(tensorName, token, j, setting.source(), inputs, shapes, rows, kind, input, row);
            } else if (forced.get(j) || present < inputs.size()) {
                if (present == 1) {
                    copy(kind, input, row, j, only, rows[only][j]);
                } else if (present == 0) {
                    kind[j] = ZERO;
                } else if (baseIndex >= 0 && rows[baseIndex][j] >= 0) {
                    copy(kind, input, row, j, baseIndex, rows[baseIndex][j]);
                } else {
                    kind[j] = MEAN;
                }
            }
        }
        long largest = shapes.stream().mapToLong(Shape::elementCount).max().orElse(0);
        return new EmbeddingRowPlan(size, paddedRows, (int) columns, largest, rows, forced, kind, input, row);
    }

    private static long checkShapes(String tensorName, List<ModelTokenizer> inputs, List<Shape> shapes, int paddedRows) {
        for (int i = 0; i < shapes.size(); i++) {
            if (shapes.get(i).rank() != 2) {
                throw new UserInputException("tensor '" + tensorName + "' of model '" + inputs.get(i).model()
                        + "' has shape " + shapes.get(i) + "; a vocabulary-indexed tensor must be 2-D [rows, hidden]");
            }
            if (shapes.get(i).dim(1) != shapes.getFirst().dim(1)) {
                throw new UserInputException("tensor '" + tensorName + "': embedding sizes must match, but model '"
                        + inputs.get(i).model() + "' has shape " + shapes.get(i) + " and model '"
                        + inputs.getFirst().model() + "' " + shapes.getFirst());
            }
        }
        long columns = shapes.getFirst().dim(1);
        if (columns > 0 && paddedRows > MAX_ELEMENTS / columns) {
            throw new UserInputException("tensor '" + tensorName + "': the merged vocabulary of " + paddedRows
                    + " rows of " + columns + " values is too large (more than " + MAX_ELEMENTS + " elements)");
        }
        return columns;
    }

    private static void explicit(String tensorName, String token, int j, EmbeddingSource source,
                                 List<ModelTokenizer> inputs, List<Shape> shapes, int[][] rows, byte[] kind,
                                 int[] input, int[] row) {
        String key = "config key 'tokenizer.tokens." + token + ".source'";
        switch (source) {
            case EmbeddingSource.Zero zero -> kind[j] = ZERO;
            case EmbeddingSource.FromModel from -> {
                int k = inputIndex(inputs, from.model(), key, tensorName);
                if (rows[k][j] < 0) {
                    throw new UserInputException(key + ": token '" + token + "' not found in model '" + from.model() + "'");
                }
                copy(kind, input, row, j, k, rows[k][j]);
            }
            case EmbeddingSource.ModelToken from -> {
                int k = inputIndex(inputs, from.model(), key, tensorName);
                Integer id = from.tokenId();
                if (id == null) {
                    id = inputs.get(k).vocabulary().get(from.token());
                    if (id == null) {
                        throw new UserInputException(key + ": token '" + from.token() + "' not found in model '"
                                + from.model() + "'");
                    }
                }
                long stored = shapes.get(k).dim(0);
                if (id < 0 || id >= stored) {
                    throw new UserInputException(key + ": token id " + id + " is out of range for model '"
                            + from.model() + "' (tensor '" + tensorName + "' has " + stored + " rows)");
                }
                copy(kind, input, row, j, k, id);
            }
        }
    }

    private static int inputIndex(List<ModelTokenizer> inputs, ModelReference model, String key, String tensorName) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).model().equals(model)) {
                return i;
            }
        }
        throw new UserInputException(key + ": model '" + model + "' is not part of the merge of tensor '" + tensorName + "'");
    }

    private static void copy(byte[] kind, int[] input, int[] row, int j, int fromInput, int fromRow) {
        kind[j] = COPY;
        input[j] = fromInput;
        row[j] = fromRow;
    }

    /** Output rows (the padded vocabulary size). */
    public int rows() {
        return paddedRows;
    }

    public int columns() {
        return columns;
    }

    /** The output shape of every re-indexed input. */
    public Shape shape() {
        return Shape.of(paddedRows, columns);
    }

    /** Elements of the largest input as stored (for memory estimates). */
    public long largestInputElements() {
        return largestInputElements;
    }

    /**
     * Re-indexes every input matrix (row-major, in input order, values already in the working dtype).
     *
     * @return one {@code [rows(), columns()]} matrix per input
     */
    public List<float[]> apply(List<float[]> matrices, Precision precision) {
        float[][] fallback = new float[vocabularySize][];
        List<float[]> result = new ArrayList<>();
        for (int i = 0; i < matrices.size(); i++) {
            float[] source = matrices.get(i);
            float[] out = new float[paddedRows * columns];
            for (int j = 0; j < vocabularySize; j++) {
                int own = forced.get(j) ? -1 : rows[i][j];
                if (own >= 0) {
                    System.arraycopy(source, own * columns, out, j * columns, columns);
                } else {
                    if (fallback[j] == null) {
                        fallback[j] = fallbackRow(j, matrices, precision);
                    }
                    System.arraycopy(fallback[j], 0, out, j * columns, columns);
                }
            }
            pad(out, precision);
            result.add(out);
        }
        return result;
    }

    private float[] fallbackRow(int j, List<float[]> matrices, Precision precision) {
        float[] row = new float[columns];
        switch (fallbackKind[j]) {
            case ZERO -> {
            }
            case COPY -> System.arraycopy(matrices.get(fallbackInput[j]), fallbackRow[j] * columns, row, 0, columns);
            case MEAN -> {
                int count = 0;
                for (int i = 0; i < matrices.size(); i++) {
                    if (rows[i][j] < 0) {
                        continue;
                    }
                    float[] source = matrices.get(i);
                    int offset = rows[i][j] * columns;
                    for (int c = 0; c < columns; c++) {
                        row[c] = precision.round(row[c] + source[offset + c]);
                    }
                    count++;
                }
                for (int c = 0; c < columns; c++) {
                    row[c] = precision.round(row[c] / (float) count);
                }
            }
            default -> throw new IllegalStateException("token " + j + " has no fallback row planned");
        }
        return row;
    }

    /** Rows from the vocabulary size on become the mean of the rows before them. */
    private void pad(float[] out, Precision precision) {
        if (paddedRows == vocabularySize) {
            return;
        }
        double[] sum = new double[columns];
        for (int j = 0; j < vocabularySize; j++) {
            for (int c = 0; c < columns; c++) {
                sum[c] += out[j * columns + c];
            }
        }
        float[] mean = new float[columns];
        for (int c = 0; c < columns; c++) {
            mean[c] = precision.round(sum[c] / vocabularySize);
        }
        for (int j = vocabularySize; j < paddedRows; j++) {
            System.arraycopy(mean, 0, out, j * columns, columns);
        }
    }
}

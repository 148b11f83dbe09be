package amalgam.mergekit.method;

import amalgam.UserInputException;
import amalgam.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * How a method reconciles inputs of different shapes (spec 2.3). Embedding matrices ({@code is_embed}) may differ
 * in vocabulary size; anything else must match unless the rule drops the model.
 */
public enum ShapeRule {
    /**
     * linear, slerp, nuslerp, model_stock, arcee_fusion: 2-D embeddings are cut to the common top-left
     * submatrix (min rows, min cols); any other mismatch is an error.
     */
    COMMON_SUBMATRIX,
    /**
     * Task-vector (GTA) methods: the base's shape wins. A differently shaped embedding is cut to
     * {@code x[:rows_base, :cols_base]} (a smaller one is an error); any other differently shaped model is dropped
     * for this tensor.
     */
    BASE_SHAPE,
    /** karcher (its rectification has no effect), multislerp, sce, ram, nearswap, passthrough: shapes must match. */
    EXACT;

    /** Inputs after alignment, with the base's new index (-1 if none). */
    public record Aligned(List<TensorInput> inputs, int baseIndex, List<String> droppedModels) {
    }

    /** The output shape for inputs of these shapes (index -1 = no base). */
    public Shape outputShape(String tensorName, boolean isEmbed, List<Shape> shapes, List<String> models, int baseIndex) {
        switch (this) {
            case COMMON_SUBMATRIX -> {
                if (isEmbed && allRank2(shapes)) {
                    long rows = Long.MAX_VALUE;
                    long cols = Long.MAX_VALUE;
                    for (Shape shape : shapes) {
                        rows = Math.min(rows, shape.dim(0));
                        cols = Math.min(cols, shape.dim(1));
                    }
                    return Shape.of(rows, cols);
                }
                requireEqual(tensorName, shapes, models);
                return shapes.getFirst();
            }
            case BASE_SHAPE -> {
                if (baseIndex < 0) {
                    return shapes.getFirst();
                }
                Shape base = shapes.get(baseIndex);
                for (int i = 0; i < shapes.size(); i++) {
                    Shape shape = shapes.get(i);
                    if (isEmbed && !shape.equals(base) && shape.rank() == base.rank() && shape.rank() == 2
                            && (shape.dim(0) < base.dim(0) || shape.dim(1) < base.dim(1))) {
                        throw mismatch(tensorName, models.get(i), shape, models.get(baseIndex), base,
                                "; a model with a smaller vocabulary than the base cannot be merged");
                    }
                }
                return base;
            }
            default -> {
                requireEqual(tensorName, shapes, models);
                return shapes.getFirst();
            }
        }
    }

    /** Aligns the inputs (cutting or dropping as the rule says); errors name tensor, models and shapes. */
    public Aligned align(String tensorName, boolean isEmbed, List<TensorInput> inputs, int baseIndex) {
        List<Shape> shapes = inputs.stream().map(TensorInput::shape).toList();
        List<String> models = inputs.stream().map(TensorInput::modelName).toList();
        Shape target = outputShape(tensorName, isEmbed, shapes, models, baseIndex);
        List<TensorInput> aligned = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        int newBase = -1;
        for (int i = 0; i < inputs.size(); i++) {
            TensorInput input = inputs.get(i);
            if (i == baseIndex) {
                newBase = aligned.size();
            }
            if (input.shape().equals(target)) {
                aligned.add(input);
            } else if (this == BASE_SHAPE && !isEmbed) {
                dropped.add(input.modelName());
            } else if (input.shape().rank() == 2) {
                aligned.add(input.withValues(target, topLeft(input.values(), input.shape(), target)));
            } else {
                throw mismatch(tensorName, input.modelName(), input.shape(), models.getFirst(), shapes.getFirst(), "");
            }
        }
        return new Aligned(aligned, newBase, dropped);
    }

    private static float[] topLeft(float[] values, Shape from, Shape to) {
        int rows = Math.toIntExact(to.dim(0));
        int cols = Math.toIntExact(to.dim(1));
        int stride = Math.toIntExact(from.dim(1));
        float[] cut = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * stride, cut, r * cols, cols);
        }
        return cut;
    }

    private static boolean allRank2(List<Shape> shapes) {
        return shapes.stream().allMatch(shape -> shape.rank() == 2);
    }

    private static void requireEqual(String tensorName, List<Shape> shapes, List<String> models) {
        for (int i = 1; i < shapes.size(); i++) {
            if (!shapes.get(i).equals(shapes.getFirst())) {
                throw mismatch(tensorName, models.get(i), shapes.get(i), models.getFirst(), shapes.getFirst(), "");
            }
        }
    }

    private static UserInputException mismatch(String tensorName, String model, Shape shape, String otherModel,
                                               Shape otherShape, String detail) {
        return new UserInputException("tensor '" + tensorName + "': shape " + shape + " in model '" + model + "' but "
                + otherShape + " in model '" + otherModel + "'" + detail);
    }
}

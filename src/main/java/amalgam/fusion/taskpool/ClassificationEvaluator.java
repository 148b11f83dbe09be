package amalgam.fusion.taskpool;

import amalgam.nn.ClassScores;
import amalgam.data.LabelledImages;

import amalgam.UserInputException;
import amalgam.data.image.PixelNormalization;
import amalgam.data.image.RgbImage;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Batched evaluation of a classifier on labelled images: pixels are scaled to [0, 1] and normalized per channel in
 * float32 (CLIP's rescale + normalize; images must already have the model's size), logits come from the given
 * function, and the metrics follow FusionBench (see {@link TaskMetrics}).
 */
public final class ClassificationEvaluator {
    /** Logits [B, C] of a pixel batch [B, 3, H, W]. */
    @FunctionalInterface
    public interface Classifier {
        float[][] logits(Tensor pixels);
    }

    /** Turns an image into the model's input, CHW float32 of the model's size. */
    @FunctionalInterface
    public interface Preprocessor {
        float[] process(RgbImage image);
    }

    private final Preprocessor preprocessor;
    private final int height;
    private final int width;
    private final int batchSize;

    public ClassificationEvaluator(Preprocessor preprocessor, int height, int width, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive");
        }
        this.preprocessor = preprocessor;
        this.height = height;
        this.width = width;
        this.batchSize = batchSize;
    }

    /** CLIP's rescale + normalize for images that already have the model's size (no resize). */
    public static ClassificationEvaluator normalizing(PixelNormalization normalization, int height, int width, int batchSize) {
        return new ClassificationEvaluator(image -> normalize(image, normalization, height, width), height, width, batchSize);
    }

    public TaskMetrics evaluate(Classifier classifier, LabelledImages data) {
        if (data.size() == 0) {
            throw new UserInputException("cannot evaluate on an empty split");
        }
        long correct = 0;
        double lossSum = 0;
        int batches = 0;
        for (int start = 0; start < data.size(); start += batchSize) {
            int count = Math.min(batchSize, data.size() - start);
            try (Arena arena = Arena.ofConfined()) {
                float[][] logits = classifier.logits(pixels(data, start, count, arena));
                double batchLoss = 0;
                for (int i = 0; i < count; i++) {
                    int label = data.label(start + i);
                    if (ClassScores.argMax(logits[i]) == label) {
                        correct++;
                    }
                    batchLoss += ClassScores.crossEntropy(logits[i], label);
                }
                lossSum += batchLoss / count;
                batches++;
            }
        }
        return new TaskMetrics((double) correct / data.size(), lossSum / batches);
    }

    private Tensor pixels(LabelledImages data, int start, int count, Arena arena) {
        int[] indices = new int[count];
        java.util.Arrays.setAll(indices, i -> start + i);
        return pixels(data, indices, arena);
    }

    /** Images {@code indices} of {@code data}, preprocessed, as one batch [N, 3, H, W]. */
    public Tensor pixels(LabelledImages data, int[] indices, Arena arena) {
        long imageFloats = 3L * height * width;
        Tensor batch = Tensor.allocate(arena, DType.F32, Shape.of(indices.length, 3, height, width));
        for (int i = 0; i < indices.length; i++) {
            float[] values = preprocessor.process(data.image(indices[i]));
            if (values.length != imageFloats) {
                throw new UserInputException("image " + indices[i] + " gives " + values.length + " values, the model needs 3x"
                        + height + "x" + width);
            }
            MemorySegment.copy(values, 0, batch.data(), Layouts.F32, i * imageFloats * Float.BYTES, values.length);
        }
        return batch;
    }

    private static float[] normalize(RgbImage image, PixelNormalization normalization, int height, int width) {
        if (image.height() != height || image.width() != width) {
            throw new UserInputException("image is " + image.width() + "x" + image.height() + ", the model needs " + width + "x"
                    + height + " (give the task pool a preprocessor to resize)");
        }
        return normalization.toChw(image);
    }
}

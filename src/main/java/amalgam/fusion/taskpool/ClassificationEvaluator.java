package amalgam.fusion.taskpool;

import amalgam.UserInputException;
import amalgam.data.image.RgbImage;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

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

    private final float[] mean;
    private final float[] std;
    private final int batchSize;

    public ClassificationEvaluator(float[] mean, float[] std, int batchSize) {
        if (mean.length != 3 || std.length != 3 || batchSize < 1) {
            throw new IllegalArgumentException("need 3 means, 3 stds and a positive batch size");
        }
        this.mean = mean.clone();
        this.std = std.clone();
        this.batchSize = batchSize;
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
                    if (argMax(logits[i]) == label) {
                        correct++;
                    }
                    batchLoss += crossEntropy(logits[i], label);
                }
                lossSum += batchLoss / count;
                batches++;
            }
        }
        return new TaskMetrics((double) correct / data.size(), lossSum / batches);
    }

    private Tensor pixels(LabelledImages data, int start, int count, Arena arena) {
        RgbImage first = data.image(start);
        int height = first.height();
        int width = first.width();
        Tensor batch = Tensor.allocate(arena, DType.F32, Shape.of(count, 3, height, width));
        for (int i = 0; i < count; i++) {
            RgbImage image = i == 0 ? first : data.image(start + i);
            if (image.height() != height || image.width() != width) {
                throw new UserInputException("image " + (start + i) + " is " + image.width() + "x" + image.height()
                        + ", the batch is " + width + "x" + height);
            }
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        float scaled = (float) (image.sample(y, x, c) / 255.0);
                        batch.setFloat((((long) i * 3 + c) * height + y) * width + x, (scaled - mean[c]) / std[c]);
                    }
                }
            }
        }
        return batch;
    }

    /** Index of the largest logit; the first one on ties (as torch.argmax). */
    static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** −log softmax(logits)[label], computed stably in double. */
    static double crossEntropy(float[] logits, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        return Math.log(sum) + max - logits[label];
    }
}

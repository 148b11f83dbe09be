package amalgam.model.clip;

import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.nn.optim.AdamW;
import amalgam.nn.optim.CosineSchedule;
import amalgam.nn.optim.GradientClipping;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Fine-tunes a CLIP vision tower as FusionBench's task models are made: the classification head (normalized class
 * embeddings [C, P] with a logit scale, built from the pretrained model) and visual_projection stay frozen; every
 * {@code vision_model.*} weight trains with AdamW (decoupled weight decay), a cosine schedule with linear warm-up,
 * global-norm gradient clipping, and a data order shuffled each epoch from the seed.
 */
public final class VisionFineTuning {
    /**
     * @param steps        optimizer steps
     * @param batchSize    images per step
     * @param learningRate peak learning rate
     * @param warmupSteps  linear warm-up before the cosine decay
     * @param weightDecay  AdamW's decoupled decay
     * @param maxGradNorm  global-norm clipping (≤ 0: off)
     * @param seed         data order
     * @param margin       additive cosine margin on the true class (CosFace: its cosine minus {@code margin} before the
     *                     logit scale), so a fine-tune keeps pushing its classes apart after they are separated; 0: plain
     *                     cross-entropy
     */
    public record Settings(int steps, int batchSize, float learningRate, long warmupSteps, float weightDecay, double maxGradNorm,
                           long seed, float margin) {
        public Settings(int steps, int batchSize, float learningRate, long warmupSteps, float weightDecay, double maxGradNorm,
                        long seed) {
            this(steps, batchSize, learningRate, warmupSteps, weightDecay, maxGradNorm, seed, 0f);
        }

        /** The same schedule and loss with another data seed (one per task model). */
        public Settings withSeed(long newSeed) {
            return new Settings(steps, batchSize, learningRate, warmupSteps, weightDecay, maxGradNorm, newSeed, margin);
        }
    }

    /** A labelled training set that writes one preprocessed image [C, H, W] at a time (so it may render on demand). */
    public interface Examples {
        int size();

        /** The label of sample {@code index}, in [0, classes). */
        int label(int index);

        /** The sample's shape [C, H, W]. */
        Shape imageShape();

        /** Writes sample {@code index} as F32 values at float index {@code offset} of {@code target}. */
        void copyPixels(int index, MemorySegment target, long offset);

        /** Already preprocessed pixels [N, C, H, W] with their labels. */
        static Examples of(Tensor pixels, long[] labels) {
            Shape image = Shape.of(pixels.shape().dim(1), pixels.shape().dim(2), pixels.shape().dim(3));
            long imageFloats = image.elementCount();
            return new Examples() {
                public int size() {
                    return labels.length;
                }

                public int label(int index) {
                    return Math.toIntExact(labels[index]);
                }

                public Shape imageShape() {
                    return image;
                }

                public void copyPixels(int index, MemorySegment target, long offset) {
                    MemorySegment.copy(pixels.data(), index * imageFloats * Float.BYTES, target, offset * Float.BYTES,
                            imageFloats * Float.BYTES);
                }
            };
        }
    }

    /** The weights fine-tuning trains: the vision tower; visual_projection stays frozen, as in FusionBench. */
    public static boolean isVisionTower(String name) {
        return name.startsWith(ClipKeys.VISION);
    }

    private VisionFineTuning() {
    }

    /**
     * Trains {@code weights} in place (F32 tensors in writable memory) and returns the loss of every step.
     *
     * @param head       [C, P] frozen class embeddings (rows L2-normalized)
     * @param logitScale multiplier of the cosine logits (exp(logit_scale), 100 for OpenAI CLIP)
     */
    public static List<Float> train(ClipConfig config, Map<String, Tensor> weights, Tensor head, float logitScale,
                                    Examples examples, Settings settings, Parallel parallel) {
        return train(config, weights, head, logitScale, examples, settings, VisionFineTuning::isVisionTower, parallel);
    }

    /** As above, training the weights {@code trainable} accepts (e.g. the projection too, for pre-training). */
    public static List<Float> train(ClipConfig config, Map<String, Tensor> weights, Tensor head, float logitScale,
                                    Examples examples, Settings settings, Predicate<String> trainable, Parallel parallel) {
        return train(config, weights, head, logitScale, examples, settings, trainable, null, parallel);
    }

    /**
     * As above with a {@link FunctionalAnchor} term added to every step's loss ({@code null}: none). The returned losses
     * are the task's cross-entropy alone; clipping applies to the gradient of the sum.
     */
    public static List<Float> train(ClipConfig config, Map<String, Tensor> weights, Tensor head, float logitScale,
                                    Examples examples, Settings settings, Predicate<String> trainable, FunctionalAnchor anchor,
                                    Parallel parallel) {
        ClipModel model = new ClipModel(config);
        Shape image = examples.imageShape();
        long imageFloats = image.elementCount();
        List<Float> losses = new ArrayList<>();
        CosineSchedule schedule = new CosineSchedule(settings.learningRate(), settings.warmupSteps(), settings.steps(), 0f);
        try (Arena arena = Arena.ofConfined();
             TensorParameters params = new TensorParameters(weights, trainable);
             Graph graph = Graph.training(parallel);
             AdamW optimizer = new AdamW(params.trainable(), AdamW.Settings.defaults(settings.weightDecay()), parallel)) {
            Tensor batch = Tensor.allocate(arena, DType.F32, Shape.of(settings.batchSize(), image.dim(0), image.dim(1), image.dim(2)));
            long[] labels = new long[settings.batchSize()];
            Var headTransposed = Var.constant(transpose(head, arena));
            amalgam.data.ShuffledOrder order = new amalgam.data.ShuffledOrder(examples.size(), settings.seed());
            FunctionalAnchor.Batches anchorBatches = anchor == null ? null : anchor.batches(arena);
            for (int step = 0; step < settings.steps(); step++) {
                for (int i = 0; i < settings.batchSize(); i++) {
                    int index = order.next();
                    examples.copyPixels(index, batch.data(), i * imageFloats);
                    labels[i] = examples.label(index);
                }
                graph.reset();
                optimizer.zeroGrad();
                Var pooled = model.vision(graph, params, graph.constant(batch)).pooled();
                Var embeds = graph.l2Normalize(model.imageEmbeds(graph, params, pooled));
                Var cosines = graph.matmul(embeds, headTransposed);
                if (settings.margin() != 0f) {
                    cosines = graph.add(cosines, graph.constant(trueClassMargins(labels, head.shape().dim(0), settings.margin()),
                            labels.length, head.shape().dim(0)));
                }
                Var loss = graph.crossEntropy(graph.scale(cosines, logitScale), labels);
                graph.backward(anchorBatches == null ? loss : graph.add(loss, anchorBatches.loss(graph, model, params)));
                if (settings.maxGradNorm() > 0) {
                    GradientClipping.clipGlobalNorm(params.trainable(), settings.maxGradNorm());
                }
                optimizer.step(schedule.learningRate(step));
                losses.add(loss.item());
            }
        }
        return losses;
    }

    /** [batch, classes]: −margin at each row's true class, 0 elsewhere. */
    private static float[] trueClassMargins(long[] labels, long classes, float margin) {
        float[] values = new float[Math.toIntExact(labels.length * classes)];
        for (int i = 0; i < labels.length; i++) {
            values[Math.toIntExact(i * classes + labels[i])] = -margin;
        }
        return values;
    }

    /** Writable F32 copies of a model's weights (e.g. from a mapped checkpoint) for training. */
    public static Map<String, Tensor> trainableCopy(Map<String, Tensor> weights, Arena arena) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        weights.forEach((name, tensor) -> copy.put(name, amalgam.tensor.kernel.Convert.toF32(tensor, arena)));
        return copy;
    }

    private static Tensor transpose(Tensor matrix, Arena arena) {
        long rows = matrix.shape().dim(0);
        long cols = matrix.shape().dim(1);
        Tensor out = Tensor.allocate(arena, DType.F32, Shape.of(cols, rows));
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                out.setFloat(c * rows + r, matrix.getFloat(r * cols + c));
            }
        }
        return out;
    }
}

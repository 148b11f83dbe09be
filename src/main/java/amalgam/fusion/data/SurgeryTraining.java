package amalgam.fusion.data;

import amalgam.fusion.FusionData;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipImageEncoder;
import amalgam.model.clip.FeatureCorrection;
import amalgam.merge.Progress;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.nn.optim.AdamW;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * Representation surgery's training (Yang et al. 2024, as FusionBench runs it after layer-wise AdaMerging): per task
 * a {@link FeatureCorrection} (down [16, P] Kaiming-uniform with a = √5, i.e. U(−1/√P, 1/√P); up zero) is trained so
 * that the merged model's corrected embedding ẑ matches the task's own fine-tuned model's normalized embedding z_t
 * on unlabelled test batches: loss = mean |ẑ − z_t|, Adam (lr 1e-3, betas (0.9, 0.999)), one step per task per
 * iteration, each task's batches from its own reshuffled stream. Both embeddings of an image never change during
 * training, so they are computed once per test image and gathered per batch.
 */
public final class SurgeryTraining {
    /** The bottleneck width FusionBench uses. */
    public static final int RANK = 16;
    private static final float LEARNING_RATE = 1e-3f;

    private SurgeryTraining() {
    }

    /**
     * @param merged    the merged model's weights (tower and projection, float32)
     * @param models    each task's fine-tuned model, in task order (the task named like the model)
     * @param steps     iterations ({@code surgery_steps})
     * @param batchSize test images per task per step
     */
    public static SequencedMap<String, FeatureCorrection> train(FusionData data, Map<String, Tensor> merged, List<ModelSource> models,
                                                                int steps, int batchSize, long seed, int threads, Arena arena) {
        SequencedMap<String, FeatureCorrection> corrections = new LinkedHashMap<>();
        int projection = data.family().model().config().projectionDim();
        try (Parallel single = new Parallel(1); Graph graph = Graph.training(single)) {
            List<Task> tasks = new java.util.ArrayList<>();
            for (int t = 0; t < models.size(); t++) {
                ModelSource model = models.get(t);
                String name = data.taskOf(model).name();
                TaskBatches batches = new TaskBatches(data, name, ImageTaskPool.Split.TEST, batchSize, TaskBatches.seedFor(seed, t));
                float[] mergedFeatures = features(data, batches, merged, threads);
                float[] ownFeatures;
                try (Arena weights = Arena.ofShared()) { // the encoder's lanes read it
                    ownFeatures = features(data, batches, data.family().weights(model, weights), threads);
                }
                Tensor down = Tensor.allocate(arena, DType.F32, Shape.of(RANK, projection));
                Tensor up = Tensor.allocate(arena, DType.F32, Shape.of(projection, RANK));
                SplittableRandom random = new SplittableRandom(TaskBatches.seedFor(seed ^ 0x5EC7L, t));
                double bound = 1 / Math.sqrt(projection);
                for (long i = 0; i < down.elementCount(); i++) {
                    down.setFloat(i, (float) ((2 * random.nextDouble() - 1) * bound));
                }
                tasks.add(new Task(name, batches, mergedFeatures, ownFeatures, down, up, arena));
                corrections.put(name, new FeatureCorrection(down, up));
            }
            try (Progress progress = Progress.start("surgery", steps, true)) {
                for (int step = 0; step < steps; step++) {
                    float loss = 0;
                    for (Task task : tasks) {
                        loss += task.step(graph, projection);
                    }
                    progress.message(String.format(java.util.Locale.ROOT, "L1 loss %.4f", loss));
                    progress.step();
                }
            }
            tasks.forEach(Task::close);
        }
        return corrections;
    }

    /** The normalized embedding of every image of the task's split under {@code weights}, row-major [N, P]. */
    private static float[] features(FusionData data, TaskBatches batches, Map<String, Tensor> weights, int threads) {
        int size = batches.size();
        int projection = data.family().model().config().projectionDim();
        float[] features = new float[size * projection];
        try (TensorParameters params = TensorParameters.frozen(weights);
             ClipImageEncoder encoder = new ClipImageEncoder(data.family().model(), params, threads)) {
            for (int start = 0; start < size; start += 64) {
                int count = Math.min(64, size - start);
                try (Arena batch = Arena.ofShared()) {
                    float[] embeds = encoder.imageEmbeds(batches.range(start, count, batch).pixels(), batch).toFloatArray();
                    for (int i = 0; i < count; i++) {
                        double norm = 0;
                        for (int p = 0; p < projection; p++) {
                            norm += (double) embeds[i * projection + p] * embeds[i * projection + p];
                        }
                        float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
                        for (int p = 0; p < projection; p++) {
                            features[(start + i) * projection + p] = embeds[i * projection + p] * scale;
                        }
                    }
                }
            }
        }
        return features;
    }

    /** One task's correction, its optimizer and its cached features. */
    private static final class Task implements AutoCloseable {
        private final TaskBatches batches;
        private final float[] merged;
        private final float[] own;
        private final Var down;
        private final Var up;
        private final Parallel single = new Parallel(1);
        private final AdamW optimizer;

        Task(String name, TaskBatches batches, float[] merged, float[] own, Tensor down, Tensor up, Arena arena) {
            this.batches = batches;
            this.merged = merged;
            this.own = own;
            this.down = Var.parameter(down, arena);
            this.up = Var.parameter(up, arena);
            this.optimizer = new AdamW(List.of(this.down, this.up), AdamW.Settings.defaults(0f), single);
        }

        /** One Adam step on the next batch; returns the batch's L1 loss before the step. */
        float step(Graph graph, int projection) {
            int[] indices = batches.nextIndices();
            float[] z = new float[indices.length * projection];
            float[] target = new float[indices.length * projection];
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(merged, indices[i] * projection, z, i * projection, projection);
                System.arraycopy(own, indices[i] * projection, target, i * projection, projection);
            }
            graph.reset();
            optimizer.zeroGrad();
            Var corrected = FeatureCorrection.apply(graph, graph.constant(z, indices.length, projection), down, up);
            Var loss = graph.l1Loss(corrected, Tensor.ofFloats(target, indices.length, projection));
            graph.backward(loss);
            optimizer.step(LEARNING_RATE);
            return loss.item();
        }

        @Override
        public void close() {
            optimizer.close();
            single.close();
        }
    }
}

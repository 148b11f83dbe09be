package amalgam.model.clip;

import static amalgam.model.clip.VisionFineTuningTest.CONFIG;
import static amalgam.model.clip.VisionFineTuningTest.gaussian;
import static amalgam.model.clip.VisionFineTuningTest.normalizedRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.parallel.Parallel;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The anchor term is w · mean ‖e(θ) − e(θ0)‖² on reference images, and training with it keeps those embeddings near θ0's. */
class FunctionalAnchorTest {
    private static final int IMAGES = 12;

    @Test
    void termIsTheWeightedMeanSquaredShiftOfTheReferenceEmbeddings() {
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(1)) {
            Map<String, Tensor> theta0 = weights(arena, 1);
            VisionFineTuning.Examples scenes = VisionFineTuning.Examples.of(gaussian(arena, Shape.of(IMAGES, 3, 8, 8), 1, 3), new long[IMAGES]);
            FunctionalAnchor anchor = FunctionalAnchor.of(CONFIG, theta0, scenes, new FunctionalAnchor.Settings(2.5f, IMAGES, IMAGES, 4),
                    arena, parallel);
            Map<String, Tensor> theta1 = weights(arena, 1);
            Tensor fc = theta1.get("vision_model.encoder.layers.0.mlp.fc1.weight");
            Tensor noise = gaussian(arena, fc.shape(), 0.3, 5);
            for (long i = 0; i < fc.elementCount(); i++) {
                fc.setFloat(i, fc.getFloat(i) + noise.getFloat(i));
            }
            ClipModel model = new ClipModel(CONFIG);
            double expected = 0;
            try (Graph graph = Graph.inference(parallel); TensorParameters before = TensorParameters.frozen(theta0);
                 TensorParameters after = TensorParameters.frozen(theta1)) {
                Tensor pixels = gaussian(arena, Shape.of(IMAGES, 3, 8, 8), 1, 3);
                float[] e0 = FunctionalAnchor.embed(graph, model, before, pixels).value().toFloatArray();
                float[] e1 = FunctionalAnchor.embed(graph, model, after, pixels).value().toFloatArray();
                for (int i = 0; i < e0.length; i++) {
                    expected += (e1[i] - e0[i]) * (double) (e1[i] - e0[i]);
                }
                expected *= 2.5 / IMAGES;
                // the batch is every image once (in shuffled order): the same mean
                double term = anchor.batches(arena).loss(graph, model, after).item();
                assertTrue(expected > 1e-3, "the perturbation moves the embeddings: " + expected);
                assertEquals(expected, term, 1e-5 * expected); // float32 sums over 12 x 8 values
                assertEquals(0.0, anchor.batches(arena).loss(graph, model, before).item(), 1e-12);
            }
        }
    }

    @Test
    void anchoredFineTuningMovesTheReferenceEmbeddingsLess() {
        assertTrue(referenceShift(50f) < 0.5 * referenceShift(0f));
    }

    /** Mean squared shift of the reference embeddings after fine-tuning with anchor weight w (0: no anchor). */
    private static double referenceShift(float weight) {
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(1)) {
            Map<String, Tensor> theta0 = weights(arena, 1);
            Map<String, Tensor> theta = weights(arena, 1);
            VisionFineTuning.Examples scenes = VisionFineTuning.Examples.of(gaussian(arena, Shape.of(IMAGES, 3, 8, 8), 1, 3), new long[IMAGES]);
            FunctionalAnchor anchor = FunctionalAnchor.of(CONFIG, theta0, scenes, new FunctionalAnchor.Settings(Math.max(weight, 1f), IMAGES, 4, 4),
                    arena, parallel);
            int n = 32;
            Tensor pixels = gaussian(arena, Shape.of(n, 3, 8, 8), 1, 8);
            long[] labels = new long[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % 2;
            }
            VisionFineTuning.train(CONFIG, theta, normalizedRows(gaussian(arena, Shape.of(2, 8), 1, 6)), 10f,
                    VisionFineTuning.Examples.of(pixels, labels), new VisionFineTuning.Settings(30, 8, 3e-3f, 3, 0f, 1.0, 9),
                    VisionFineTuning::isVisionTower, weight > 0 ? anchor : null, parallel);
            try (Graph graph = Graph.inference(parallel); TensorParameters tuned = TensorParameters.frozen(theta)) {
                float[] after = FunctionalAnchor.embed(graph, new ClipModel(CONFIG), tuned, gaussian(arena, Shape.of(IMAGES, 3, 8, 8), 1, 3))
                        .value().toFloatArray();
                float[] before = anchor.reference().toFloatArray();
                double shift = 0;
                for (int i = 0; i < after.length; i++) {
                    shift += (after[i] - before[i]) * (double) (after[i] - before[i]);
                }
                return shift / IMAGES;
            }
        }
    }

    private static Map<String, Tensor> weights(Arena arena, long seed) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (var key : ClipKeys.expected(CONFIG, true).entrySet()) {
            Tensor tensor = gaussian(arena, key.getValue(), 0.2, seed++);
            if ((key.getKey().contains("norm") || key.getKey().contains("layrnorm")) && key.getKey().endsWith(".weight")) {
                for (long i = 0; i < tensor.elementCount(); i++) {
                    tensor.setFloat(i, 1f);
                }
            }
            weights.put(key.getKey(), tensor);
        }
        return weights;
    }
}

package amalgam.fusion.taskpool;

import amalgam.data.LabelledImages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.data.image.RgbImage;
import org.junit.jupiter.api.Test;

/**
 * A hand-checked case: five 1x1 images whose red value decides the logits [r, 1 − r] (after scaling to [0, 1],
 * mean 0, std 1), batches of two. Images (red): 1.0 (label 0), 0.0 (label 1), 1.0 (label 1), 0.0 (label 1),
 * 1.0 (label 0). Logits [1,0], [0,1], [1,0], [0,1], [1,0]: predictions 0,1,0,1,0, correct 4 of 5 → 0.8.
 * Cross-entropy of logits [1,0] for the larger is ln(1+e⁻¹) = a, for the smaller ln(1+e) = b; batches:
 * {a, a} → a, {b, a} → (a+b)/2, {a} → a (the partial batch counts fully): loss = (2a + (a+b)/2) / 3.
 */
class ClassificationEvaluatorTest {
    @Test
    void accuracyAndFusionBenchStyleLoss() {
        int[] red = {255, 0, 255, 0, 255};
        int[] labels = {0, 1, 1, 1, 0};
        LabelledImages data = new LabelledImages() {
            public int size() { return 5; }
            public int label(int index) { return labels[index]; }
            public RgbImage image(int index) { return new RgbImage(1, 1, new byte[] {(byte) red[index], 0, 0}); }
        };
        ClassificationEvaluator evaluator = ClassificationEvaluator.normalizing(new amalgam.data.image.PixelNormalization(new float[] {0, 0, 0}, new float[] {1, 1, 1}), 1, 1, 2);
        TaskMetrics metrics = evaluator.evaluate(pixels -> {
            int batch = (int) pixels.shape().dim(0);
            float[][] logits = new float[batch][];
            for (int i = 0; i < batch; i++) {
                float r = pixels.getFloat(i * 3L);
                logits[i] = new float[] {r, 1 - r};
            }
            return logits;
        }, data);
        double a = Math.log(1 + Math.exp(-1));
        double b = Math.log(1 + Math.E);
        assertEquals(0.8, metrics.accuracy(), 1e-12);
        assertEquals((2 * a + (a + b) / 2) / 3, metrics.loss(), 1e-9);
        assertEquals(1, amalgam.nn.ClassScores.argMax(new float[] {0, 3, 3}), "first maximum wins");
    }
}

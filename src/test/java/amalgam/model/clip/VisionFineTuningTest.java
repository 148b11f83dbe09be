package amalgam.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny CLIP vision tower learns a synthetic two-class task and its weights round-trip through safetensors. */
class VisionFineTuningTest {
    static final ClipConfig CONFIG = new ClipConfig(new ClipConfig.Tower(16, 32, 1, 2, ClipConfig.Activation.GELU,
            1e-5f, 8, 4, 3, 0, 0, -1), null, 8);

    @TempDir
    Path temp;

    @Test
    void lossFallsAndTheTunedModelRoundTrips() {
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(2)) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            long seed = 1;
            for (var key : ClipKeys.expected(CONFIG, true).entrySet()) {
                Tensor tensor = gaussian(arena, key.getValue(), 0.2, seed++);
                boolean normWeight = (key.getKey().contains("norm") || key.getKey().contains("layrnorm")) && key.getKey().endsWith(".weight");
                if (normWeight) {
                    for (long i = 0; i < tensor.elementCount(); i++) {
                        tensor.setFloat(i, 1f);
                    }
                }
                weights.put(key.getKey(), tensor);
            }
            Tensor head = normalizedRows(gaussian(arena, Shape.of(2, 8), 1, 99));
            // class 0: dark images, class 1: bright images, with noise
            int n = 64;
            Tensor pixels = gaussian(arena, Shape.of(n, 3, 8, 8), 0.3, 7);
            long[] labels = new long[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % 2;
                for (long j = 0; j < 3 * 64; j++) {
                    long index = i * 3L * 64 + j;
                    pixels.setFloat(index, pixels.getFloat(index) + (labels[i] == 0 ? -1f : 1f));
                }
            }
            List<Float> losses = VisionFineTuning.train(CONFIG, weights, head, 10f,
                    VisionFineTuning.Examples.of(pixels, labels), new VisionFineTuning.Settings(40, 16, 3e-3f, 4, 0.01f, 1.0, 3), parallel);
            double first = (losses.get(0) + losses.get(1)) / 2;
            double last = (losses.get(38) + losses.get(39)) / 2;
            assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);

            Path saved = temp.resolve("tuned");
            ClipCheckpoints.save(saved, weights, "{\"model_type\":\"clip_vision_model\"}", amalgam.io.SafetensorsWriter.PT_FORMAT);
            try (Checkpoint checkpoint = Checkpoint.open(saved)) {
                assertEquals(weights.size(), checkpoint.tensors().size());
                for (var entry : weights.entrySet()) {
                    assertArrayEquals(entry.getValue().data().toArray(ValueLayout.JAVA_BYTE),
                            checkpoint.tensor(entry.getKey()).data().toArray(ValueLayout.JAVA_BYTE), entry.getKey());
                }
            }
        }
    }

    @Test
    void theMarginShiftsTheTrueClassCosineBeforeTheScale() {
        // one image, two classes, lr 0: the first loss is log(1 + exp(s·d)) with d = cos_other − cos_true; with margin m
        // it must be log(1 + exp(s·(d + m))), derived from the plain loss alone (float32 losses: 1e-5)
        float plain = firstLoss(0f);
        float withMargin = firstLoss(0.4f);
        double sd = Math.log(Math.expm1(plain));
        assertEquals(Math.log1p(Math.exp(sd + 10 * 0.4)), withMargin, 1e-5);
    }

    private static float firstLoss(float margin) {
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(1)) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            long seed = 21;
            for (var key : ClipKeys.expected(CONFIG, true).entrySet()) {
                weights.put(key.getKey(), gaussian(arena, key.getValue(), 0.2, seed++));
            }
            return VisionFineTuning.train(CONFIG, weights, normalizedRows(gaussian(arena, Shape.of(2, 8), 1, 6)), 10f,
                    VisionFineTuning.Examples.of(gaussian(arena, Shape.of(1, 3, 8, 8), 1, 5), new long[] {1}),
                    new VisionFineTuning.Settings(1, 1, 0f, 1, 0f, 0, 9, margin), parallel).getFirst();
        }
    }

    @Test
    void trainingIsDeterministic() {
        assertEquals(runLosses(), runLosses());
    }

    private static List<Float> runLosses() {
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(2)) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            long seed = 11;
            for (var key : ClipKeys.expected(CONFIG, true).entrySet()) {
                weights.put(key.getKey(), gaussian(arena, key.getValue(), 0.2, seed++));
            }
            Tensor pixels = gaussian(arena, Shape.of(8, 3, 8, 8), 1, 5);
            return VisionFineTuning.train(CONFIG, weights, normalizedRows(gaussian(arena, Shape.of(2, 8), 1, 6)), 10f,
                    VisionFineTuning.Examples.of(pixels, new long[] {0, 1, 0, 1, 0, 1, 0, 1}),
                    new VisionFineTuning.Settings(5, 4, 1e-3f, 1, 0.1f, 1.0, 9), parallel);
        }
    }

    static Tensor gaussian(Arena arena, Shape shape, double scale, long seed) {
        Tensor tensor = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < tensor.elementCount(); i++) {
            tensor.setFloat(i, (float) (random.nextGaussian() * scale));
        }
        return tensor;
    }

    static Tensor normalizedRows(Tensor matrix) {
        long rows = matrix.shape().dim(0);
        long cols = matrix.shape().dim(1);
        for (long r = 0; r < rows; r++) {
            double norm = 0;
            for (long c = 0; c < cols; c++) {
                norm += matrix.getFloat(r * cols + c) * matrix.getFloat(r * cols + c);
            }
            for (long c = 0; c < cols; c++) {
                matrix.setFloat(r * cols + c, (float) (matrix.getFloat(r * cols + c) / Math.sqrt(norm)));
            }
        }
        return matrix;
    }
}

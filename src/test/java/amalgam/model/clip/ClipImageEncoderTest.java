package amalgam.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The evaluation encoder gives the bits of one graph forward of the whole batch, for any thread count, batch size (a
 * remainder, a batch smaller than a chunk, an empty one) and call order (its workspaces are reused), on a tower of
 * mini8's shape (see {@link ClipImageEncoder} for why the shape matters).
 */
class ClipImageEncoderTest {
    private static final ClipConfig CONFIG = new ClipConfig(new ClipConfig.Tower(64, 256, 2, 4, ClipConfig.Activation.QUICK_GELU,
            1e-5f, 32, 4, 3, 0, 0, -1), null, 64);

    @Test
    void embeddingsEqualTheWholeBatchGraphForwardForAnyThreadCount() {
        ClipModel model = new ClipModel(CONFIG);
        try (Arena arena = Arena.ofShared(); TensorParameters params = TensorParameters.frozen(weights(arena))) {
            for (int batch : new int[] {19, 3, ClipImageEncoder.CHUNK, 17, 0}) {
                Tensor pixels = random(arena, Shape.of(batch, 3, 32, 32), 1, batch);
                float[] expected = graphForward(model, params, pixels);
                for (int threads : new int[] {1, 2, 3}) {
                    try (ClipImageEncoder encoder = new ClipImageEncoder(model, params, threads)) {
                        for (int call = 0; call < 2; call++) {
                            Tensor embeds = encoder.imageEmbeds(pixels, arena);
                            assertEquals(Shape.of(batch, 64), embeds.shape());
                            assertArrayEquals(expected, embeds.toFloatArray(), 0f, "batch " + batch + ", " + threads + " threads, call " + call);
                        }
                    }
                }
            }
        }
    }

    @Test
    void pixelsAndResultsMayLiveInAConfinedArena() {
        ClipModel model = new ClipModel(CONFIG);
        try (Arena arena = Arena.ofShared(); TensorParameters params = TensorParameters.frozen(weights(arena));
             Arena confined = Arena.ofConfined(); ClipImageEncoder encoder = new ClipImageEncoder(model, params, 2)) {
            Tensor shared = random(arena, Shape.of(2 * ClipImageEncoder.CHUNK, 3, 32, 32), 1, 5);
            Tensor pixels = Tensor.allocate(confined, DType.F32, shared.shape());
            pixels.data().copyFrom(shared.data());
            assertArrayEquals(graphForward(model, params, shared), encoder.imageEmbeds(pixels, confined).toFloatArray(), 0f);
        }
    }

    private static float[] graphForward(ClipModel model, TensorParameters params, Tensor pixels) {
        if (pixels.shape().dim(0) == 0) {
            return new float[0];
        }
        try (Parallel parallel = new Parallel(1); Graph graph = Graph.inference(parallel)) {
            return model.imageEmbeds(graph, params, model.vision(graph, params, graph.constant(pixels)).pooled()).value().toFloatArray();
        }
    }

    private static Map<String, Tensor> weights(Arena arena) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        long seed = 40;
        for (var key : ClipKeys.expected(CONFIG, true).entrySet()) {
            tensors.put(key.getKey(), random(arena, key.getValue(), 0.3, seed++));
        }
        return tensors;
    }

    private static Tensor random(Arena arena, Shape shape, double scale, long seed) {
        Tensor tensor = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < tensor.elementCount(); i++) {
            tensor.setFloat(i, (float) (random.nextGaussian() * scale));
        }
        return tensor;
    }
}

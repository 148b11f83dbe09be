package amalgam.fusion.closedform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.merge.CheckpointModelSource;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Fisher statistics on the fixture's tiny CLIP vision tower: for one batch of n images, F·n = g² where g is the
 * gradient of Σ sqrt(p)·log_softmax with p held at its value, checked against central finite differences of that
 * objective (float32 forward, h = 1e-3 on O(0.1) weights: about 1e-3 relative on the largest gradient entries).
 */
class FisherInformationTest {
    private static final List<String> PROBED = List.of("vision_model.encoder.layers.1.mlp.fc1.weight",
            "vision_model.encoder.layers.3.self_attn.v_proj.bias", "vision_model.post_layernorm.weight",
            "vision_model.embeddings.class_embedding", "vision_model.pre_layrnorm.bias");

    @Test
    void squaredGradientMatchesFiniteDifferences() {
        ClipConfig config = ClipConfig.read(Fixtures.path("merge-tiny/clip/pretrained/config.json"));
        try (CheckpointModelSource source = CheckpointModelSource.open("pretrained", Fixtures.path("merge-tiny/clip/pretrained"));
             Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(1)) {
            ClipVisionFamily family = new ClipVisionFamily(config, source, source);
            Map<String, Tensor> weights = family.weights(source, arena);
            ZeroShotClassifier classifier = new ZeroShotClassifier(family.model(), amalgam.testing.TinyTaskData.randomHead("sun397"));
            Tensor pixels = randomPixels(arena, 3);
            Map<String, Tensor> fisher;
            try (FisherInformation information = new FisherInformation(weights, name -> !name.startsWith("visual"));
                 Graph graph = Graph.training(parallel)) {
                information.addBatch(graph, classifier, pixels);
                fisher = information.fisher(arena);
            }
            assertTrue(!fisher.containsKey("visual_projection.weight"));
            Tensor sqrtP;
            try (Graph graph = Graph.inference(parallel); TensorParameters params = TensorParameters.frozen(weights)) {
                sqrtP = FisherInformation.sqrtProbabilities(classifier.logits(graph, params, graph.constant(pixels)), arena);
            }
            for (String name : PROBED) {
                Tensor f = fisher.get(name);
                long largest = 0;
                for (long i = 0; i < f.elementCount(); i++) {
                    largest = f.getFloat(i) > f.getFloat(largest) ? i : largest;
                }
                double analytic = Math.sqrt(f.getFloat(largest) * 3.0); // |g| from F = g² / n
                Tensor weight = weights.get(name);
                float original = weight.getFloat(largest);
                float h = 1e-3f;
                weight.setFloat(largest, original + h);
                double plus = objective(classifier, weights, pixels, sqrtP, parallel);
                weight.setFloat(largest, original - h);
                double minus = objective(classifier, weights, pixels, sqrtP, parallel);
                weight.setFloat(largest, original);
                double numeric = Math.abs((plus - minus) / (2 * h));
                assertTrue(analytic > 1e-2, name + ": gradient too small to probe: " + analytic);
                assertEquals(analytic, numeric, 2e-2 * analytic, name + "[" + largest + "]");
            }
        }
    }

    /**
     * The batch's gradient summed over slices equals one backward pass. Float32 sums in another order, and g² doubles
     * the relative error of cancelling gradient entries: 1e-3 relative plus 1e-4 of the tensor's largest entry
     * plus 1e-12 (k_proj.bias has an exactly zero gradient, softmax ignores it: only round-off is left there).
     */
    @Test
    void slicedBackwardPassesGiveTheSameFisher() {
        ClipConfig config = ClipConfig.read(Fixtures.path("merge-tiny/clip/pretrained/config.json"));
        try (CheckpointModelSource source = CheckpointModelSource.open("sun397", Fixtures.path("merge-tiny/clip/sun397"));
             Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(2); Graph graph = Graph.training(parallel)) {
            ClipVisionFamily family = new ClipVisionFamily(config, null, source);
            ZeroShotClassifier classifier = new ZeroShotClassifier(family.model(), amalgam.testing.TinyTaskData.randomHead("eurosat"));
            Tensor pixels = randomPixels(arena, 5);
            Map<String, Tensor> whole;
            Map<String, Tensor> sliced;
            try (FisherInformation information = new FisherInformation(family.weights(source, arena), name -> true)) {
                information.addBatch(graph, classifier, pixels);
                whole = information.fisher(arena);
            }
            try (FisherInformation information = new FisherInformation(family.weights(source, arena), name -> true)) {
                information.addBatch(graph, classifier, pixels, 2);
                sliced = information.fisher(arena);
            }
            for (String name : whole.keySet()) {
                float[] expected = whole.get(name).toFloatArray();
                float[] actual = sliced.get(name).toFloatArray();
                double largest = 0;
                for (float value : expected) {
                    largest = Math.max(largest, value);
                }
                for (int e = 0; e < expected.length; e++) {
                    assertEquals(expected[e], actual[e], 1e-3 * Math.abs(expected[e]) + 1e-4 * largest + 1e-12, name + "[" + e + "]");
                }
            }
        }
    }

    private static double objective(ZeroShotClassifier classifier, Map<String, Tensor> weights, Tensor pixels, Tensor sqrtP,
                                    Parallel parallel) {
        try (Graph graph = Graph.inference(parallel); TensorParameters params = TensorParameters.frozen(weights)) {
            return FisherInformation.objective(graph, classifier.logits(graph, params, graph.constant(pixels)), sqrtP).item();
        }
    }

    private static Tensor randomPixels(Arena arena, int count) {
        Tensor pixels = Tensor.allocate(arena, DType.F32, Shape.of(count, 3, 32, 32));
        SplittableRandom random = new SplittableRandom(11);
        for (long i = 0; i < pixels.elementCount(); i++) {
            pixels.setFloat(i, (float) random.nextGaussian());
        }
        return pixels;
    }
}

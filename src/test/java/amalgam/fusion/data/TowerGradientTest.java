package amalgam.fusion.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.model.clip.ZeroShotHead;
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
 * The tower gradient of the zero-shot losses against central finite differences of the same loss, on the tiny CLIP
 * fixture, for a few elements of tensors at both ends of the tower. Tolerance: float32 forward passes with a step of
 * 1e-2 on losses of order 1 leave about 1e-3 of absolute noise in a difference quotient; gradients here are 1e-3..1,
 * so 5 % relative plus 2e-3 absolute separates a right gradient from a wrong one (a missing term or sign is off by
 * far more).
 */
class TowerGradientTest {
    @Test
    void crossEntropyAndEntropyGradientsMatchFiniteDifferences() {
        for (TowerGradient.Loss loss : TowerGradient.Loss.values()) {
            check(loss);
        }
    }

    private static void check(TowerGradient.Loss loss) {
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(Fixtures.path("merge-tiny/clip/sun397"))) {
            ClipConfig full = ClipConfig.read(Fixtures.path("merge-tiny/clip/sun397/config.json"));
            ClipConfig config = new ClipConfig(full.vision(), null, full.projectionDim());
            ClipModel model = new ClipModel(config);
            Map<String, Tensor> weights = ClipWeights.tensors(ClipWeights.Source.of(checkpoint), config, true, arena);
            List<String> tower = weights.keySet().stream().filter(name -> name.startsWith("vision_model.")).toList();
            SplittableRandom random = new SplittableRandom(5);
            Tensor pixels = Tensor.allocate(arena, DType.F32, Shape.of(3, 3, 32, 32));
            for (long i = 0; i < pixels.elementCount(); i++) {
                pixels.setFloat(i, (float) random.nextGaussian());
            }
            float[] head = new float[4 * config.projectionDim()];
            for (int i = 0; i < head.length; i++) {
                head[i] = (float) random.nextGaussian() * 0.3f;
            }
            ZeroShotHead zeroShot = new ZeroShotHead(Tensor.ofFloats(head, 4, config.projectionDim()), (float) Math.log(20));
            TaskBatches.Batch batch = new TaskBatches.Batch(pixels, new long[] {0, 3, 1});
            try (TowerGradient gradient = new TowerGradient(model, weights, tower, 2)) {
                gradient.accumulate(batch, zeroShot, loss, 1f);
                Map<String, Tensor> gradients = gradient.gradients();
                for (String name : List.of("vision_model.embeddings.class_embedding", "vision_model.encoder.layers.0.self_attn.q_proj.weight",
                        "vision_model.post_layernorm.weight")) {
                    Tensor value = weights.get(name);
                    for (long index : new long[] {0, 7, value.elementCount() - 1}) {
                        float original = value.getFloat(index);
                        float h = 1e-2f;
                        value.setFloat(index, original + h);
                        double plus = loss(model, weights, batch, zeroShot, loss);
                        value.setFloat(index, original - h);
                        double minus = loss(model, weights, batch, zeroShot, loss);
                        value.setFloat(index, original);
                        double numeric = (plus - minus) / (2 * h);
                        double analytic = gradients.get(name).getFloat(index);
                        assertEquals(numeric, analytic, 2e-3 + 0.05 * Math.abs(numeric), loss + " " + name + "[" + index + "]");
                    }
                }
            }
        }
    }

    private static double loss(ClipModel model, Map<String, Tensor> weights, TaskBatches.Batch batch, ZeroShotHead head,
                               TowerGradient.Loss loss) {
        try (Parallel parallel = new Parallel(1); Graph graph = Graph.inference(parallel)) {
            var params = TensorParameters.frozen(weights);
            var pooled = model.vision(graph, params, graph.constant(batch.pixels())).pooled();
            var logits = head.logits(graph, model.imageEmbeds(graph, params, pooled));
            return (loss == TowerGradient.Loss.CROSS_ENTROPY ? graph.crossEntropy(logits, batch.labels()) : graph.entropy(logits)).item();
        }
    }
}

package amalgam.fusion.closedform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The closed-form methods end to end on a tiny pool with train folders: a one-model pool gives that model back
 * (RegMean: Wᵀ = G̃⁻¹ G̃ Wᵀ; Fisher: a ratio of one term), excluded tensors and visual_projection keep θ0, and results
 * do not depend on the thread count. Tolerances: float32 statistics and float64 solves on 64..256-wide Grams, 2e-3
 * absolute on O(0.1) weights.
 */
class ClosedFormMethodsTest {
    private static final String PROJECTION = "visual_projection.weight";

    @TempDir
    static Path root;

    @BeforeAll
    static void pools() {
        TinyTrainPools.write(root, 24);
    }

    @Test
    void oneModelPoolsGiveThatModelBack() {
        Map<String, float[]> sun397 = TinyTrainPools.weights("sun397");
        Map<String, float[]> pretrained = TinyTrainPools.weights("pretrained");
        for (String method : List.of(RegMean.NAME, FisherMerging.NAME)) {
            Map<String, float[]> merged = TinyTrainPools.fuse(root, "pool-sun397.yaml", method, Map.of(), 0, 2);
            for (Map.Entry<String, float[]> tensor : merged.entrySet()) {
                float[] expected = (tensor.getKey().equals(PROJECTION) ? pretrained : sun397).get(tensor.getKey());
                assertArrayEquals(expected, tensor.getValue(), 2e-3f, method + ": " + tensor.getKey());
            }
        }
    }

    @Test
    void excludedTensorsAndTheProjectionKeepThePretrainedValues() {
        Map<String, float[]> pretrained = TinyTrainPools.weights("pretrained");
        for (String method : List.of(RegMean.NAME, FisherMerging.NAME)) {
            Map<String, float[]> merged = TinyTrainPools.fuse(root, method, Map.of("exclude_param_names_regex",
                    List.of("vision_model.encoder.layers.1.mlp", "layers")), 0, 2);
            int kept = 0;
            for (Map.Entry<String, float[]> tensor : merged.entrySet()) {
                String name = tensor.getKey();
                boolean excluded = name.startsWith("vision_model.encoder.layers.1.mlp") || name.equals(PROJECTION);
                boolean same = java.util.Arrays.equals(pretrained.get(name), tensor.getValue());
                assertEquals(excluded, same, method + ": " + name);
                kept += same ? 1 : 0;
            }
            assertEquals(5, kept, method); // fc1 and fc2 weight and bias, and the projection ("layers" matches no name's start)
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        for (String method : List.of(RegMean.NAME, FisherMerging.NAME)) {
            Map<String, float[]> one = TinyTrainPools.fuse(root, method, Map.of("dataloader_kwargs.batch_size", 5), 3, 1);
            Map<String, float[]> two = TinyTrainPools.fuse(root, method, Map.of("dataloader_kwargs.batch_size", 5), 3, 2);
            assertEquals(one.keySet(), two.keySet());
            one.forEach((name, values) -> assertArrayEquals(values, two.get(name), method + ": " + name));
        }
    }

    @Test
    void regMeanReadsAShuffledSampleThatTheSeedFixes() {
        Map<String, Object> few = Map.of("num_regmean_examples", 8, "dataloader_kwargs.batch_size", 8);
        Map<String, float[]> seed1 = TinyTrainPools.fuse(root, RegMean.NAME, few, 1, 2);
        Map<String, float[]> again = TinyTrainPools.fuse(root, RegMean.NAME, few, 1, 2);
        Map<String, float[]> seed2 = TinyTrainPools.fuse(root, RegMean.NAME, few, 2, 2);
        String fc1 = "vision_model.encoder.layers.0.mlp.fc1.weight";
        assertArrayEquals(seed1.get(fc1), again.get(fc1));
        assertFalse(java.util.Arrays.equals(seed1.get(fc1), seed2.get(fc1)));
        assertTrue(seed1.keySet().contains(PROJECTION));
    }
}

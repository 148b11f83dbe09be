package amalgam.fusion.closedform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RegMean++ and trust-region task arithmetic on the tiny pool with train folders: RegMean++ of one model is that model
 * except post_layernorm (θ0, as in FusionBench), its exclusions match layer-relative names; the zero-shot trust region
 * equals an independent computation of Ω = Σ_{i≠j} |τᵢ| ⊙ |τⱼ|, its quantile threshold and the masked sum.
 */
class LayerwiseAndTrustRegionTest {
    private static final String PROJECTION = "visual_projection.weight";

    @TempDir
    static Path root;

    @BeforeAll
    static void pools() {
        TinyTrainPools.write(root, 24);
    }

    @Test
    void regMeanPlusPlusOfOneModelIsThatModelWithThePretrainedPostLayerNorm() {
        Map<String, float[]> sun397 = TinyTrainPools.weights("sun397");
        Map<String, float[]> pretrained = TinyTrainPools.weights("pretrained");
        Map<String, float[]> merged = TinyTrainPools.fuse(root, "pool-sun397.yaml", RegMeanPlusPlus.NAME, Map.of(), 0, 2);
        for (Map.Entry<String, float[]> tensor : merged.entrySet()) {
            String name = tensor.getKey();
            boolean kept = name.equals(PROJECTION) || name.startsWith("vision_model.post_layernorm.");
            assertArrayEquals((kept ? pretrained : sun397).get(name), tensor.getValue(), 2e-3f, name);
        }
    }

    @Test
    void regMeanPlusPlusExcludesByLayerRelativeNames() {
        Map<String, float[]> pretrained = TinyTrainPools.weights("pretrained");
        Map<String, float[]> merged = TinyTrainPools.fuse(root, RegMeanPlusPlus.NAME,
                Map.of("exclude_param_names_regex", List.of("mlp.fc1", "vision_model")), 0, 2);
        for (Map.Entry<String, float[]> tensor : merged.entrySet()) {
            String name = tensor.getKey();
            boolean kept = name.equals(PROJECTION) || name.startsWith("vision_model.post_layernorm.") || name.contains(".mlp.fc1.");
            assertEquals(kept, Arrays.equals(pretrained.get(name), tensor.getValue()), name);
        }
    }

    @Test
    void regMeanPlusPlusDoesNotDependOnTheThreadCount() {
        Map<String, Object> parameters = Map.of("dataloader_kwargs.batch_size", 7, "num_regmean_examples", 20);
        Map<String, float[]> one = TinyTrainPools.fuse(root, RegMeanPlusPlus.NAME, parameters, 4, 1);
        Map<String, float[]> two = TinyTrainPools.fuse(root, RegMeanPlusPlus.NAME, parameters, 4, 2);
        one.forEach((name, values) -> assertArrayEquals(values, two.get(name), name));
    }

    @Test
    void zeroShotTrustRegionFollowsTheDefiningFormula() {
        double lambda = 0.7;
        double quantile = 0.9;
        Map<String, float[]> merged = TinyTrainPools.fuse(root, TrustRegionTaskArithmetic.NAME,
                Map.of("zero_shot", true, "scaling_factor", lambda, "threshold_quantile", quantile), 0, 1);
        Map<String, float[]> theta0 = TinyTrainPools.weights("pretrained");
        List<Map<String, float[]>> models = List.of(TinyTrainPools.weights("sun397"), TinyTrainPools.weights("eurosat"));
        List<String> tower = theta0.keySet().stream().filter(name -> name.startsWith("vision_model.")).sorted().toList();
        List<Float> omega = new ArrayList<>();
        for (String name : tower) {
            for (int e = 0; e < theta0.get(name).length; e++) {
                omega.add(omega(models, theta0, name, e));
            }
        }
        List<Float> sorted = omega.stream().sorted().toList();
        float threshold = sorted.get((int) Math.min(Math.floor(sorted.size() * quantile), sorted.size() - 1));
        int masked = 0;
        for (String name : tower) {
            float[] expected = theta0.get(name).clone();
            for (int e = 0; e < expected.length; e++) {
                if (omega(models, theta0, name, e) < threshold) {
                    double sum = 0;
                    for (Map<String, float[]> model : models) {
                        sum += model.get(name)[e] - theta0.get(name)[e];
                    }
                    expected[e] += (float) (lambda * sum);
                } else {
                    masked++;
                }
            }
            assertArrayEquals(expected, merged.get(name), 1e-5f, name);
        }
        assertArrayEquals(theta0.get(PROJECTION), merged.get(PROJECTION));
        assertTrue(masked >= sorted.size() / 20 && masked <= sorted.size() / 5, "masked " + masked + " of " + sorted.size());
    }

    @Test
    void trustRegionWithGradientsMovesTheUnmaskedCoordinatesOnly() {
        Map<String, float[]> theta0 = TinyTrainPools.weights("pretrained");
        Map<String, float[]> merged = TinyTrainPools.fuse(root, TrustRegionTaskArithmetic.NAME, Map.of("max_samples", 6,
                "batch_size", 4), 5, 2);
        Map<String, float[]> again = TinyTrainPools.fuse(root, TrustRegionTaskArithmetic.NAME, Map.of("max_samples", 6,
                "batch_size", 4), 5, 1);
        long moved = 0;
        long total = 0;
        for (String name : theta0.keySet()) {
            if (!name.startsWith("vision_model.")) {
                continue;
            }
            assertArrayEquals(merged.get(name), again.get(name), name); // independent of the thread count
            for (int e = 0; e < theta0.get(name).length; e++) {
                moved += merged.get(name)[e] != theta0.get(name)[e] ? 1 : 0;
                total++;
            }
        }
        // about 1 % of the coordinates (Ω at or above the 0.99 quantile) stay at θ0, besides those no task vector moves
        assertTrue(moved > total * 0.9 && moved < total, moved + " of " + total + " moved");
    }

    /** Ω at one coordinate with g̅ᵢ = |τᵢ|: Σ_{i≠j} |τᵢ||τⱼ|, in float32 as the method sums. */
    private static float omega(List<Map<String, float[]>> models, Map<String, float[]> theta0, String name, int e) {
        float sumG = 0;
        float sumM = 0;
        float own = 0;
        for (Map<String, float[]> model : models) {
            float magnitude = Math.abs(model.get(name)[e] - theta0.get(name)[e]);
            sumG += magnitude;
            sumM += magnitude;
            own += magnitude * magnitude;
        }
        return sumG * sumM - own;
    }
}

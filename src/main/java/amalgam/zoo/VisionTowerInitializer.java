package amalgam.zoo;

import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipKeys;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fresh weights for a CLIP vision tower with its visual projection, initialised as Hugging Face's
 * {@code CLIPPreTrainedModel._init_weights} does (factor 1, initializer_range 0.02): class embedding N(0, D^-1/2);
 * patch and position embeddings N(0, 0.02); q/k/v N(0, D^-1/2 (2L)^-1/2), out_proj N(0, D^-1/2); fc1 N(0, (2D)^-1/2),
 * fc2 N(0, D^-1/2 (2L)^-1/2); visual_projection N(0, D^-1/2); biases 0; layer norms weight 1, bias 0. Each tensor
 * draws from its own generator seeded by (seed, name), so the result does not depend on iteration order.
 */
public final class VisionTowerInitializer {
    private static final double INITIALIZER_RANGE = 0.02;

    private VisionTowerInitializer() {
    }

    public static Map<String, Tensor> initialize(ClipConfig config, long seed, Arena arena) {
        ClipConfig.Tower tower = config.vision();
        double width = tower.hiddenSize();
        double inProjection = Math.pow(width, -0.5) * Math.pow(2.0 * tower.layers(), -0.5);
        double outProjection = Math.pow(width, -0.5);
        double fc1 = Math.pow(2 * width, -0.5);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> key : ClipKeys.expected(config, true).entrySet()) {
            String name = key.getKey();
            Tensor tensor = Tensor.allocate(arena, DType.F32, key.getValue());
            if (isNorm(name)) {
                fill(tensor, name.endsWith(".weight") ? 1f : 0f);
            } else if (name.endsWith(".bias")) {
                fill(tensor, 0f);
            } else {
                double std;
                if (name.endsWith("class_embedding")) {
                    std = Math.pow(width, -0.5);
                } else if (name.contains("patch_embedding") || name.contains("position_embedding")) {
                    std = INITIALIZER_RANGE;
                } else if (name.contains("q_proj") || name.contains("k_proj") || name.contains("v_proj") || name.contains("fc2")) {
                    std = inProjection;
                } else if (name.contains("out_proj") || name.equals("visual_projection.weight")) {
                    std = outProjection;
                } else if (name.contains("fc1")) {
                    std = fc1;
                } else {
                    throw new IllegalStateException("no initialisation rule for '" + name + "'");
                }
                gaussian(tensor, std, new SplittableRandom(seed ^ hash(name)));
            }
            weights.put(name, tensor);
        }
        return weights;
    }

    private static boolean isNorm(String name) {
        return name.contains("layer_norm") || name.contains("layrnorm") || name.contains("layernorm");
    }

    private static void fill(Tensor tensor, float value) {
        for (long i = 0; i < tensor.elementCount(); i++) {
            tensor.setFloat(i, value);
        }
    }

    /** Box-Muller pairs; deterministic for a given generator. */
    private static void gaussian(Tensor tensor, double std, SplittableRandom random) {
        long count = tensor.elementCount();
        for (long i = 0; i < count; i += 2) {
            double u = 1 - random.nextDouble();
            double v = random.nextDouble();
            double radius = Math.sqrt(-2 * Math.log(u));
            tensor.setFloat(i, (float) (std * radius * Math.cos(2 * Math.PI * v)));
            if (i + 1 < count) {
                tensor.setFloat(i + 1, (float) (std * radius * Math.sin(2 * Math.PI * v)));
            }
        }
    }

    private static long hash(String name) {
        long hash = 0xCBF2_9CE4_8422_2325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xFF)) * 0x0000_0100_0000_01B3L;
        }
        return hash;
    }
}

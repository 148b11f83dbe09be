package amalgam.fusion.tta;

import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipKeys;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ZeroShotHead;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Test helpers: a tiny CLIP vision tower (width 8, 2 layers, 8 px images) with random weights, task vectors and heads. */
final class TinyClip {
    static final ClipConfig CONFIG = new ClipConfig(new ClipConfig.Tower(8, 16, 2, 2, ClipConfig.Activation.QUICK_GELU, 1e-5f,
            8, 4, 3, 0, 0, 0), null, 4);
    static final ClipModel MODEL = new ClipModel(CONFIG);

    private TinyClip() {
    }

    static List<String> names() {
        return List.copyOf(ClipKeys.expected(CONFIG, false).keySet());
    }

    /** theta0: layer norm scales near 1, everything else N(0, 0.3^2). */
    static Map<String, Tensor> base(Arena arena, Random random) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        ClipKeys.expected(CONFIG, false).forEach((name, shape) -> {
            boolean scale = name.endsWith("norm.weight") || name.endsWith("norm1.weight") || name.endsWith("norm2.weight");
            tensors.put(name, random(arena, random, shape, scale ? 1 : 0, scale ? 0.1 : 0.3));
        });
        return tensors;
    }

    /** One task vector per task, N(0, 0.2^2) on every tensor. */
    static List<Map<String, Tensor>> taskVectors(Arena arena, Random random, int tasks) {
        List<Map<String, Tensor>> all = new ArrayList<>();
        for (int task = 0; task < tasks; task++) {
            Map<String, Tensor> tau = new LinkedHashMap<>();
            ClipKeys.expected(CONFIG, false).forEach((name, shape) -> tau.put(name, random(arena, random, shape, 0, 0.2)));
            all.add(tau);
        }
        return all;
    }

    static Tensor projection(Arena arena, Random random) {
        return random(arena, random, Shape.of(4, 8), 0, 0.5);
    }

    /** A head of {@code classes} unit rows with logit scale ln 10 (predictions neither uniform nor one-hot). */
    static ZeroShotHead head(Arena arena, Random random, int classes) {
        Tensor weight = random(arena, random, Shape.of(classes, 4), 0, 1);
        for (int c = 0; c < classes; c++) {
            double norm = 0;
            for (int p = 0; p < 4; p++) {
                norm += Math.pow(weight.getFloat(c * 4L + p), 2);
            }
            for (int p = 0; p < 4; p++) {
                weight.setFloat(c * 4L + p, (float) (weight.getFloat(c * 4L + p) / Math.sqrt(norm)));
            }
        }
        return new ZeroShotHead(weight, (float) Math.log(10));
    }

    static Tensor pixels(Arena arena, Random random, int images) {
        return random(arena, random, Shape.of(images, 3, 8, 8), 0, 1);
    }

    static Tensor random(Arena arena, Random random, Shape shape, double mean, double deviation) {
        Tensor tensor = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < tensor.elementCount(); i++) {
            tensor.setFloat(i, (float) (mean + deviation * random.nextGaussian()));
        }
        return tensor;
    }
}

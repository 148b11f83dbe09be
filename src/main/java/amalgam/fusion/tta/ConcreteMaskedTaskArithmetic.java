package amalgam.fusion.tta;

import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Task arithmetic through one learned Concrete mask shared by all tasks (Tang et al. 2023, "Concrete Subspace
 * Learning based Interference Elimination for Multi-task Model Fusion"):
 * <pre>
 *   theta(name) = theta0 + s * m~ (.) sum_i tau_i,     m~ = m / mean(m)   (per tensor)
 *   m = sigmoid((l + ln u - ln(1 - u)) / T),           u ~ U(0, 1) per element (a relaxed Bernoulli sample)
 * </pre>
 * with the mask logits l (one per element of every tower tensor) the trainable leaves, s the fixed scaling factor and
 * T the temperature. The logistic noise ln u - ln(1 - u) is drawn once per step ({@link Noise#resample}) and shared by
 * every replica, so lanes see the same mask sample.
 */
public final class ConcreteMaskedTaskArithmetic implements Parameters, AutoCloseable {
    /** The logistic noise of the current step, one tensor per name, shared by the master and its replicas. */
    public static final class Noise {
        private final Map<String, Tensor> values = new LinkedHashMap<>();
        private final Arena arena = Arena.ofShared();

        public Noise(Map<String, Tensor> shapes) {
            shapes.forEach((name, tensor) -> values.put(name, Tensor.allocate(arena, DType.F32, tensor.shape())));
        }

        /** Draws ln u - ln(1 - u), u ~ U(0, 1), for every element, in name order. */
        public void resample(SplittableRandom random) {
            for (Tensor tensor : values.values()) {
                for (long i = 0; i < tensor.elementCount(); i++) {
                    double u = random.nextDouble();
                    while (u == 0) {
                        u = random.nextDouble();
                    }
                    tensor.setFloat(i, (float) (Math.log(u) - Math.log1p(-u)));
                }
            }
        }

        Tensor get(String name) {
            return values.get(name);
        }

        /** Frees the noise (after the master and every replica are done). */
        public void free() {
            arena.close();
        }
    }

    private final Map<String, Tensor> base;
    private final Map<String, Tensor> taskSum;
    private final Noise noise;
    private final float scalingFactor;
    private final float temperature;
    private final Arena arena = Arena.ofShared();
    private final Map<String, Var> logits = new LinkedHashMap<>();

    /**
     * @param base          theta0 by name
     * @param taskSum       sum_i tau_i by name
     * @param noise         the shared per-step noise
     * @param scalingFactor s
     * @param temperature   T
     * @param initialLogit  every logit's starting value
     */
    public ConcreteMaskedTaskArithmetic(Map<String, Tensor> base, Map<String, Tensor> taskSum, Noise noise, float scalingFactor,
                                        float temperature, float initialLogit) {
        this.base = base;
        this.taskSum = taskSum;
        this.noise = noise;
        this.scalingFactor = scalingFactor;
        this.temperature = temperature;
        base.forEach((name, tensor) -> {
            Tensor value = Tensor.allocate(arena, DType.F32, tensor.shape());
            for (long i = 0; i < value.elementCount(); i++) {
                value.setFloat(i, initialLogit);
            }
            logits.put(name, Var.parameter(value, arena));
        });
    }

    /** The sum of the task vectors, by name, computed into {@code arena}. */
    public static Map<String, Tensor> taskSum(Map<String, Tensor> base, List<Map<String, Tensor>> taskVectors, Arena arena) {
        Map<String, Tensor> sums = new LinkedHashMap<>();
        base.forEach((name, tensor) -> {
            Tensor sum = Tensor.allocate(arena, DType.F32, tensor.shape());
            for (Map<String, Tensor> tau : taskVectors) {
                amalgam.tensor.kernel.F32Kernels.add(sum.data(), tau.get(name).data(), sum.data(), sum.elementCount());
            }
            sums.put(name, sum);
        });
        return sums;
    }

    @Override
    public Var get(Graph graph, String name) {
        Var logit = logits.get(name);
        if (logit == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return graph.memoize(new Key(this, name), () -> {
            Var mask = graph.sigmoid(graph.scale(graph.add(logit, Var.constant(noise.get(name))), 1 / temperature));
            Var scaled = graph.scale(graph.multiply(graph.divideByMean(mask), Var.constant(taskSum.get(name))), scalingFactor);
            return graph.add(Var.constant(base.get(name)), scaled);
        });
    }

    /**
     * theta with a fixed mask in place of the sample: {@code mask} by name (already normalised or not; it is divided by
     * its mean here), written into {@code arena}.
     */
    public Map<String, Tensor> merge(Map<String, Tensor> mask, Arena arena) {
        Map<String, Tensor> merged = new LinkedHashMap<>();
        base.forEach((name, theta0) -> {
            Tensor m = mask.get(name);
            double sum = 0;
            for (long i = 0; i < m.elementCount(); i++) {
                sum += m.getFloat(i);
            }
            float inverse = sum == 0 ? 0f : (float) (m.elementCount() / sum); // an all-zero mask keeps theta0
            Tensor out = Tensor.allocate(arena, DType.F32, theta0.shape());
            Tensor s = taskSum.get(name);
            for (long i = 0; i < out.elementCount(); i++) {
                out.setFloat(i, theta0.getFloat(i) + scalingFactor * (m.getFloat(i) * inverse * s.getFloat(i)));
            }
            merged.put(name, out);
        });
        return merged;
    }

    /** A continuous sample sigmoid((l + noise) / T) of the current logits with the current noise, by name. */
    public Map<String, Tensor> continuousMask(Arena arena) {
        Map<String, Tensor> masks = new LinkedHashMap<>();
        logits.forEach((name, logit) -> {
            Tensor l = logit.value();
            Tensor n = noise.get(name);
            Tensor out = Tensor.allocate(arena, DType.F32, l.shape());
            for (long i = 0; i < out.elementCount(); i++) {
                out.setFloat(i, (float) (1 / (1 + Math.exp(-(l.getFloat(i) + n.getFloat(i)) / temperature))));
            }
            masks.put(name, out);
        });
        return masks;
    }

    /** A discrete sample Bernoulli(sigmoid(l)) of the current logits, by name. */
    public Map<String, Tensor> discreteMask(SplittableRandom random, Arena arena) {
        Map<String, Tensor> masks = new LinkedHashMap<>();
        logits.forEach((name, logit) -> {
            Tensor l = logit.value();
            Tensor out = Tensor.allocate(arena, DType.F32, l.shape());
            for (long i = 0; i < out.elementCount(); i++) {
                double p = 1 / (1 + Math.exp(-l.getFloat(i)));
                out.setFloat(i, random.nextDouble() < p ? 1f : 0f);
            }
            masks.put(name, out);
        });
        return masks;
    }

    @Override
    public List<String> names() {
        return List.copyOf(base.keySet());
    }

    @Override
    public List<Var> trainable() {
        return new ArrayList<>(logits.values());
    }

    @Override
    public void close() {
        arena.close();
    }

    private record Key(ConcreteMaskedTaskArithmetic owner, String name) {
    }
}

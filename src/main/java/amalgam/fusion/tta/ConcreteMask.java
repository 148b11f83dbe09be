package amalgam.fusion.tta;

import amalgam.nn.Graph;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One Concrete (relaxed Bernoulli) mask over every element of a set of tensors, as Concrete subspace learning
 * (Tang et al. 2023) learns it: a logit l per element, trainable, and per step a sample
 * <pre>
 *   m = sigmoid((l + ln u - ln(1 - u)) / T),   u ~ U(0, 1) per element,     m~ = m / mean(m)   (per tensor)
 * </pre>
 * whose logistic noise lives in a {@link Noise} shared by a master mask and its lane replicas, so every lane sees
 * the same sample.
 */
public final class ConcreteMask implements AutoCloseable {
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

    private final Noise noise;
    private final float temperature;
    private final Arena arena = Arena.ofShared();
    private final Map<String, Var> logits = new LinkedHashMap<>();

    /**
     * @param shapes       the masked tensors by name (their shapes)
     * @param noise        the shared per-step noise
     * @param temperature  T
     * @param initialLogit every logit's starting value
     */
    public ConcreteMask(Map<String, Tensor> shapes, Noise noise, float temperature, float initialLogit) {
        this.noise = noise;
        this.temperature = temperature;
        shapes.forEach((name, tensor) -> {
            Tensor value = Tensor.allocate(arena, DType.F32, tensor.shape());
            for (long i = 0; i < value.elementCount(); i++) {
                value.setFloat(i, initialLogit);
            }
            logits.put(name, Var.parameter(value, arena));
        });
    }

    /** m~ of {@code name} for the current noise, differentiable with respect to its logits. */
    public Var sample(Graph graph, String name) {
        Var logit = logits.get(name);
        if (logit == null) {
            throw new IllegalArgumentException("no mask for '" + name + "'");
        }
        return graph.divideByMean(graph.sigmoid(graph.scale(graph.add(logit, Var.constant(noise.get(name))), 1 / temperature)));
    }

    /** The logits, one leaf per tensor in name order. */
    public List<Var> logits() {
        return List.copyOf(logits.values());
    }

    /** A continuous sample sigmoid((l + noise) / T) of the current logits with the current noise, by name. */
    public Map<String, Tensor> continuous(Arena into) {
        Map<String, Tensor> masks = new LinkedHashMap<>();
        logits.forEach((name, logit) -> {
            Tensor l = logit.value();
            Tensor n = noise.get(name);
            Tensor out = Tensor.allocate(into, DType.F32, l.shape());
            for (long i = 0; i < out.elementCount(); i++) {
                out.setFloat(i, (float) (1 / (1 + Math.exp(-(l.getFloat(i) + n.getFloat(i)) / temperature))));
            }
            masks.put(name, out);
        });
        return masks;
    }

    /** A discrete sample Bernoulli(sigmoid(l)) of the current logits, by name. */
    public Map<String, Tensor> discrete(SplittableRandom random, Arena into) {
        Map<String, Tensor> masks = new LinkedHashMap<>();
        logits.forEach((name, logit) -> {
            Tensor l = logit.value();
            Tensor out = Tensor.allocate(into, DType.F32, l.shape());
            for (long i = 0; i < out.elementCount(); i++) {
                double p = 1 / (1 + Math.exp(-l.getFloat(i)));
                out.setFloat(i, random.nextDouble() < p ? 1f : 0f);
            }
            masks.put(name, out);
        });
        return masks;
    }

    /**
     * The mask a fused model uses: a discrete sample Bernoulli(sigmoid(l)), or a new continuous sample (fresh noise),
     * both drawn from {@code random}; not yet divided by its mean.
     */
    public Map<String, Tensor> finalSample(boolean discrete, SplittableRandom random, Arena into) {
        if (discrete) {
            return discrete(random, into);
        }
        noise.resample(random);
        return continuous(into);
    }

    /**
     * A copy of the logits (in memory that outlives this mask) as the file a later run loads back
     * ({@code mask_checkpoint}): {@code mask_logits.safetensors}.
     */
    public amalgam.fusion.LearnedTensors logitsFile() {
        java.util.SequencedMap<String, Tensor> values = new LinkedHashMap<>();
        Arena results = Arena.ofAuto();
        logits.forEach((name, logit) -> {
            Tensor copy = Tensor.allocate(results, DType.F32, logit.value().shape());
            copy.data().copyFrom(logit.value().data());
            values.put(name, copy);
        });
        return new amalgam.fusion.LearnedTensors("mask_logits", values);
    }

    /** Reads saved logits ({@link #logitsFile}) in place of the current ones; refuses a file of another model. */
    public void load(java.nio.file.Path file, String what) {
        Map<String, Tensor> shapes = new LinkedHashMap<>();
        logits.forEach((name, logit) -> shapes.put(name, logit.value()));
        try (Arena scratch = Arena.ofConfined()) {
            amalgam.fusion.LearnedTensors.load(file, shapes, what, scratch)
                    .forEach((name, saved) -> logits.get(name).value().data().copyFrom(saved.data()));
        }
    }

    /** The report's view of the mask: one row, one column per tensor, each mean(sigmoid(l)). */
    public amalgam.fusion.LearnedCoefficients keepTable() {
        return new amalgam.fusion.LearnedCoefficients("mask_keep_probability", List.of("mask"), List.copyOf(logits.keySet()),
                keepProbabilities());
    }

    /** mean(sigmoid(l)) of every tensor, in name order: how much of it the mask keeps on average. */
    public float[] keepProbabilities() {
        float[] values = new float[logits.size()];
        int t = 0;
        for (Var logit : logits.values()) {
            Tensor l = logit.value();
            double sum = 0;
            for (long i = 0; i < l.elementCount(); i++) {
                sum += 1 / (1 + Math.exp(-l.getFloat(i)));
            }
            values[t++] = (float) (sum / l.elementCount());
        }
        return values;
    }

    /**
     * {@code mask / mean(mask)} in place, tensor by tensor (a mask summing to zero stays zero: the tensor keeps theta0,
     * where FusionBench would divide by zero); returns {@code mask}.
     */
    public static Map<String, Tensor> divideByMean(Map<String, Tensor> mask) {
        mask.values().forEach(m -> {
            double sum = 0;
            for (long i = 0; i < m.elementCount(); i++) {
                sum += m.getFloat(i);
            }
            float inverse = sum == 0 ? 0f : (float) (m.elementCount() / sum);
            for (long i = 0; i < m.elementCount(); i++) {
                m.setFloat(i, m.getFloat(i) * inverse);
            }
        });
        return mask;
    }

    @Override
    public void close() {
        arena.close();
    }
}

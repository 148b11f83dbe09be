package amalgam.fusion.tta;

import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Task arithmetic through one learned Concrete mask shared by all tasks (Tang et al. 2023, "Concrete Subspace
 * Learning based Interference Elimination for Multi-task Model Fusion"):
 * <pre>
 *   theta(name) = theta0 + s * m~ (.) sum_i tau_i
 * </pre>
 * with m~ the step's sample of the {@link ConcreteMask} (its logits the trainable leaves) and s the fixed scaling
 * factor.
 */
public final class ConcreteMaskedTaskArithmetic implements Parameters, AutoCloseable {
    private final Map<String, Tensor> base;
    private final Map<String, Tensor> taskSum;
    private final float scalingFactor;
    private final ConcreteMask mask;

    /**
     * @param base          theta0 by name
     * @param taskSum       sum_i tau_i by name
     * @param noise         the shared per-step noise
     * @param scalingFactor s
     * @param temperature   T
     * @param initialLogit  every logit's starting value
     */
    public ConcreteMaskedTaskArithmetic(Map<String, Tensor> base, Map<String, Tensor> taskSum, ConcreteMask.Noise noise,
                                        float scalingFactor, float temperature, float initialLogit) {
        this.base = base;
        this.taskSum = taskSum;
        this.scalingFactor = scalingFactor;
        this.mask = new ConcreteMask(base, noise, temperature, initialLogit);
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

    public ConcreteMask mask() {
        return mask;
    }

    @Override
    public Var get(Graph graph, String name) {
        if (!base.containsKey(name)) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return graph.memoize(new Key(this, name), () -> {
            Var scaled = graph.scale(graph.multiply(mask.sample(graph, name), Var.constant(taskSum.get(name))), scalingFactor);
            return graph.add(Var.constant(base.get(name)), scaled);
        });
    }

    /** theta with a fixed mask in place of the sample: {@code fixed} by name (divided by its mean here), into {@code arena}. */
    public Map<String, Tensor> merge(Map<String, Tensor> fixed, Arena arena) {
        ConcreteMask.divideByMean(fixed);
        Map<String, Tensor> merged = new LinkedHashMap<>();
        base.forEach((name, theta0) -> {
            Tensor m = fixed.get(name);
            Tensor out = Tensor.allocate(arena, DType.F32, theta0.shape());
            Tensor s = taskSum.get(name);
            for (long i = 0; i < out.elementCount(); i++) {
                out.setFloat(i, theta0.getFloat(i) + scalingFactor * (m.getFloat(i) * s.getFloat(i)));
            }
            merged.put(name, out);
        });
        return merged;
    }

    @Override
    public List<String> names() {
        return List.copyOf(base.keySet());
    }

    @Override
    public List<Var> trainable() {
        return mask.logits();
    }

    @Override
    public void close() {
        mask.close();
    }

    private record Key(ConcreteMaskedTaskArithmetic owner, String name) {
    }
}

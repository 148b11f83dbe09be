package amalgam.fusion.closedform;

import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Fisher-weighted average of models (Matena &amp; Raffel, "Merging Models with Fisher-Weighted Averaging",
 * NeurIPS 2022), as FusionBench's {@code fisher_merging} computes it. Per tensor k of the merge set, with Fᵢ model i's
 * diagonal Fisher and ε = {@code minimal_fisher_weight}:
 * <pre>
 *   F̃ᵢ = Fᵢ + ε
 *   cᵢ = 1 / (nᵢ + ε),  nᵢ = sqrt(Σ_k ‖Fᵢ[k]‖²)   when normalize_fisher_weight, else cᵢ = 1
 *   θ[k] = Σᵢ cᵢ F̃ᵢ[k] θᵢ[k] / Σᵢ cᵢ F̃ᵢ[k]
 * </pre>
 * FusionBench divides the cᵢ by their sum (and multiplies by 1/T); a common factor of all cᵢ cancels in the ratio, so
 * models can be added one at a time: only the numerator and denominator sums (two copies of the merge set)
 * are held (float32, as FusionBench computes), never all models.
 */
public final class FisherRule {
    private final boolean normalize;
    private final double minimalWeight;
    private final Map<String, float[]> numerators = new LinkedHashMap<>();
    private final Map<String, float[]> denominators = new LinkedHashMap<>();
    private final Map<String, Tensor> shapes = new LinkedHashMap<>();

    public FisherRule(boolean normalize, double minimalWeight) {
        this.normalize = normalize;
        this.minimalWeight = minimalWeight;
    }

    /** nᵢ = sqrt(Σ_k ‖Fᵢ[k]‖²) over the merge set, without the ε offset. */
    public static double norm(Map<String, Tensor> fisher) {
        double sum = 0;
        for (Tensor tensor : fisher.values()) {
            MemorySegment data = tensor.data();
            for (long i = 0; i < tensor.elementCount(); i++) {
                double value = data.getAtIndex(Layouts.F32, i);
                sum += value * value;
            }
        }
        return Math.sqrt(sum);
    }

    /** Adds model i: its weights θᵢ and Fisher Fᵢ over the same keys (the merge set). */
    public void add(Map<String, Tensor> weights, Map<String, Tensor> fisher) {
        double coefficient = normalize ? 1 / (norm(fisher) + minimalWeight) : 1;
        fisher.forEach((name, f) -> {
            Tensor theta = weights.get(name);
            if (theta == null || !theta.shape().equals(f.shape())) {
                throw new IllegalArgumentException("Fisher of '" + name + "' is " + f.shape() + ", the weight "
                        + (theta == null ? "is missing" : "is " + theta.shape()));
            }
            int count = Math.toIntExact(f.elementCount());
            float[] numerator = numerators.computeIfAbsent(name, k -> new float[count]);
            float[] denominator = denominators.computeIfAbsent(name, k -> new float[count]);
            shapes.putIfAbsent(name, f);
            for (int e = 0; e < count; e++) {
                float weight = (float) (coefficient * (f.data().getAtIndex(Layouts.F32, e) + minimalWeight));
                numerator[e] += weight * theta.data().getAtIndex(Layouts.F32, e);
                denominator[e] += weight;
            }
        });
    }

    /** The merged tensors θ[k] = Σ cᵢ F̃ᵢ θᵢ / Σ cᵢ F̃ᵢ, F32 in {@code arena}. */
    public Map<String, Tensor> merged(Arena arena) {
        Map<String, Tensor> result = new LinkedHashMap<>();
        numerators.forEach((name, numerator) -> {
            float[] denominator = denominators.get(name);
            Tensor out = Tensor.allocate(arena, DType.F32, shapes.get(name).shape());
            for (int e = 0; e < numerator.length; e++) {
                out.data().setAtIndex(Layouts.F32, e, numerator[e] / denominator[e]);
            }
            result.put(name, out);
        });
        return result;
    }

    /** The whole rule over every model at once. */
    public static Map<String, Tensor> merge(List<Map<String, Tensor>> weights, List<Map<String, Tensor>> fishers, boolean normalize,
                                            double minimalWeight, Arena arena) {
        FisherRule rule = new FisherRule(normalize, minimalWeight);
        for (int i = 0; i < weights.size(); i++) {
            rule.add(weights.get(i), fishers.get(i));
        }
        return rule.merged(arena);
    }
}

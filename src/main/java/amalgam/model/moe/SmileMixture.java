package amalgam.model.moe;

import amalgam.tensor.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * A SMILE mixture (Tang et al., 2024, "SMILE: Zero-Shot Sparse Mixture of Low-Rank Experts"): every listed linear
 * computes y = W0 x + b0 + Σ_{i ∈ top_k} wᵢ Eᵢ(x), with routing logits ‖Gᵢ x‖₂ per token (see {@link SmileRouting})
 * and experts Eᵢ(x) = Uᵢ (diag(Sᵢ) Vᵢᵀ) x + (bᵢ − b0), or ΔWᵢ x + (bᵢ − b0) when dense. Tensor names:
 * {@link SmileTensorNames}.
 *
 * @param experts  expert (task model) names, in expert-index order
 * @param settings the values the method was run with
 * @param linears  the MoE linears, in model order (linears whose experts were all untrained are plain and not listed)
 */
public record SmileMixture(List<String> experts, Settings settings, List<Linear> linears) implements MixtureDescription {
    public static final String KIND = "smile";

    public SmileMixture {
        experts = List.copyOf(experts);
        linears = List.copyOf(linears);
        if (experts.isEmpty()) {
            throw new IllegalArgumentException("a mixture needs at least one expert");
        }
        if (settings.topK() < 1 || settings.topK() > experts.size()) {
            throw new IllegalArgumentException("top_k " + settings.topK() + " for " + experts.size() + " experts");
        }
    }

    /**
     * The method's parameters as given (each linear records the ranks it really has).
     *
     * @param gateK          rows of each expert's gate
     * @param k              rank of each expert; ≤ 0 for dense experts
     * @param topK           experts each token is routed to
     * @param routingUseDiff gates from the SVD of ΔWᵢ (else of Wᵢ)
     * @param averageExperts the layers that are not MoE linears are the fine-tuned models' mean (else θ0's)
     */
    public record Settings(int gateK, int k, int topK, boolean routingUseDiff, boolean averageExperts) {
    }

    /**
     * One MoE linear.
     *
     * @param gateK the gate rows per expert it has: min(gate_k, min(out, in))
     * @param k     the rank of its experts: min(k, min(out, in)), or −1 for dense experts
     * @param bias  whether the linear has a bias (and so its experts bias deltas)
     */
    public record Linear(String name, int inFeatures, int outFeatures, int gateK, int k, boolean bias) {
        public Linear {
            if (inFeatures < 1 || outFeatures < 1 || gateK < 1 || gateK > Math.min(inFeatures, outFeatures) || k == 0
                    || k > Math.min(inFeatures, outFeatures) || k < -1) {
                throw new IllegalArgumentException("linear '" + name + "': in " + inFeatures + ", out " + outFeatures
                        + ", gate_k " + gateK + ", k " + k);
            }
        }

        public boolean dense() {
            return k < 0;
        }

        /** Parameters of one expert: its factors (or dense delta) and bias delta. */
        public long expertParameters() {
            long factors = dense() ? (long) outFeatures * inFeatures : (long) k * (outFeatures + inFeatures);
            return factors + (bias ? outFeatures : 0);
        }

        /**
         * The mixture's tensors of this linear besides the shared W0 and b0, with their shapes, in the order they are
         * written: the gate, then each expert's factors and bias delta.
         */
        public SequencedMap<String, Shape> expertTensors(int experts) {
            SequencedMap<String, Shape> tensors = new LinkedHashMap<>();
            tensors.put(SmileTensorNames.gate(name), Shape.of((long) experts * gateK, inFeatures));
            for (int i = 0; i < experts; i++) {
                if (dense()) {
                    tensors.put(SmileTensorNames.expertWeight(name, i), Shape.of(outFeatures, inFeatures));
                } else {
                    tensors.put(SmileTensorNames.expertU(name, i), Shape.of(outFeatures, k));
                    tensors.put(SmileTensorNames.expertSvh(name, i), Shape.of(k, inFeatures));
                }
                if (bias) {
                    tensors.put(SmileTensorNames.expertBias(name, i), Shape.of(outFeatures));
                }
            }
            return tensors;
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public long idleParametersPerToken() {
        long idle = 0;
        for (Linear linear : linears) {
            idle += (experts.size() - settings.topK()) * linear.expertParameters();
        }
        return idle;
    }
}

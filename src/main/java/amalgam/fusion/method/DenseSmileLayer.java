package amalgam.fusion.method;

import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.SmileTensorNames;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One encoder layer of AdaSVD's SMILE model (spec §7.6): every linear that some task model changed becomes a SMILE
 * linear with dense experts ΔWᵢ (and bias deltas bᵢ − b0), a gate of each ΔWᵢ's top gate_k right singular vectors and
 * top_k = T, built by {@link SmileExperts}; and the collapse of those linears back to plain ones with given per-expert
 * coefficients. A linear no task model changed (allclose to 0) stays plain and keeps W0.
 *
 * @param mixture the layer's MoE linears (expert names = task models, in pool order)
 * @param tensors their gates and experts by {@link SmileTensorNames}, float32
 */
record DenseSmileLayer(SmileMixture mixture, Map<String, Tensor> tensors) {
    /**
     * The SMILE linears of the layer whose θ0 tensors are {@code layer} (float32, by name); {@code linears} names the
     * layer's linears (without {@code .weight}). {@code gateK} is clamped to min(out, in) per linear, as SMILE does.
     */
    static DenseSmileLayer build(List<String> linears, Map<String, Tensor> layer, List<ModelSource> models, int gateK,
                                 boolean averageExperts, Arena arena) {
        List<SmileMixture.Linear> moe = new ArrayList<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : linears) {
            Tensor w0 = layer.get(SmileTensorNames.weight(name));
            Tensor b0 = layer.get(SmileTensorNames.bias(name));
            List<Tensor> deltas = new ArrayList<>();
            List<Tensor> biasDeltas = b0 == null ? null : new ArrayList<>();
            boolean trained = false;
            for (ModelSource model : models) {
                Tensor delta = TensorInputs.taskVector(model, SmileTensorNames.weight(name), w0, arena);
                trained |= !SmileExperts.untrained(delta);
                deltas.add(delta);
                if (b0 != null) {
                    biasDeltas.add(TensorInputs.taskVector(model, SmileTensorNames.bias(name), b0, arena));
                }
            }
            if (!trained) {
                continue;
            }
            int out = Math.toIntExact(w0.shape().dim(0));
            int in = Math.toIntExact(w0.shape().dim(1));
            SmileMixture.Linear linear = new SmileMixture.Linear(name, in, out, Math.min(gateK, Math.min(out, in)), -1, b0 != null);
            moe.add(linear);
            tensors.putAll(SmileExperts.build(linear, true, deltas, null, biasDeltas, arena));
        }
        List<String> experts = models.stream().map(ModelSource::name).toList();
        SmileMixture mixture = new SmileMixture(experts, new SmileMixture.Settings(gateK, -1, experts.size(), true, averageExperts), moe);
        return new DenseSmileLayer(mixture, tensors);
    }

    /**
     * The plain weight and bias of MoE linear {@code linear}: W = W0 + Σᵢ cᵢ ΔWᵢ, b = b0 + Σᵢ cᵢ (bᵢ − b0), in float32
     * as FusionBench's weighted sum computes it (each cᵢ·ΔWᵢ rounded, then added to the running sum in expert order).
     *
     * @param coefficients cᵢ per expert (AdaSVD: scaling factor × mean routing weight, already rounded to float32)
     */
    Map<String, Tensor> collapse(SmileMixture.Linear linear, Map<String, Tensor> layer, float[] coefficients, Arena arena) {
        String name = linear.name();
        Map<String, Tensor> plain = new LinkedHashMap<>();
        plain.put(SmileTensorNames.weight(name), weightedSum(layer.get(SmileTensorNames.weight(name)), coefficients,
                i -> tensors.get(SmileTensorNames.expertWeight(name, i)), arena));
        if (linear.bias()) {
            plain.put(SmileTensorNames.bias(name), weightedSum(layer.get(SmileTensorNames.bias(name)), coefficients,
                    i -> tensors.get(SmileTensorNames.expertBias(name, i)), arena));
        }
        return plain;
    }

    private static Tensor weightedSum(Tensor base, float[] coefficients, java.util.function.IntFunction<Tensor> delta, Arena arena) {
        Shape shape = base.shape();
        Tensor sum = Tensor.allocate(arena, DType.F32, shape);
        sum.data().copyFrom(base.data());
        for (int i = 0; i < coefficients.length; i++) {
            Tensor d = delta.apply(i);
            float c = coefficients[i];
            for (long e = 0; e < shape.elementCount(); e++) {
                sum.setFloat(e, sum.getFloat(e) + c * d.getFloat(e));
            }
        }
        return sum;
    }
}

package amalgam.fusion.method;

import amalgam.model.moe.SmileTensorNames;
import amalgam.tensor.Shape;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensors of FusionBench's {@code SmileLinear} (its {@code SmileMistralForCausalLM}, {@code SmileQwen2ForCausalLM}
 * checkpoints), which replaces every attention and MLP projection {@code L} of a decoder layer
 * ({@code model.layers.N.self_attn.{q,k,v,o}_proj}, {@code model.layers.N.mlp.{gate,up,down}_proj}); E experts,
 * router rank R, expert rank K, all three from config.json:
 * <pre>
 * L.gate.weight            [E·R, in]   rows i·R.. = the top R right singular vectors of ΔW_i (zero rows past min(out, in))
 * L.shared_linear.weight   [out, in]   W0
 * L.shared_linear.bias     [out]       b0 (when the projection has a bias: Qwen2's q, k, v)
 * L.experts.I.u            [out, K]    U_i[:, :K]                 (K > 0; zero columns past min(out, in))
 * L.experts.I.svh          [K, in]     diag(S_i[:K]) V_i[:, :K]ᵀ  (K > 0; zero rows past min(out, in))
 * L.experts.I.weight       [out, in]   ΔW_i                       (K ≤ 0: dense experts)
 * L.experts.I.bias         [out]       b_i − b0                   (when the projection has a bias)
 * </pre>
 * Every other tensor keeps its name. The expert names are {@link SmileTensorNames}'s; the gate and the shared linear
 * are named differently from the CLIP mixture's.
 *
 * @param routerRank R
 * @param expertRank K (≤ 0: dense experts)
 * @param experts    E
 */
record SmileDecoderLayout(int routerRank, int expertRank, int experts) {
    /** A decoder projection's weight; group 1 is the projection {@code L}. */
    static final Pattern PROJECTION = Pattern.compile(
            "(model\\.layers\\.\\d+\\.(?:self_attn\\.[qkvo]_proj|mlp\\.(?:gate|up|down)_proj))\\.weight");
    /** Rotary tables some older checkpoints store; FusionBench's SMILE models have none (non-persistent buffers). */
    static final Pattern ROTARY_BUFFER = Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");

    /** The projection {@code L} whose weight {@code tensor} is, or null. */
    static String projection(String tensor) {
        Matcher match = PROJECTION.matcher(tensor);
        return match.matches() ? match.group(1) : null;
    }

    static String gate(String projection) {
        return projection + ".gate.weight";
    }

    static String sharedWeight(String projection) {
        return projection + ".shared_linear.weight";
    }

    static String sharedBias(String projection) {
        return projection + ".shared_linear.bias";
    }

    boolean dense() {
        return expertRank <= 0;
    }

    /** The gate's and experts' tensors of projection {@code L} [out, in], in the order they are written. */
    SequencedMap<String, Shape> computedTensors(String projection, long out, long in, boolean bias) {
        SequencedMap<String, Shape> tensors = new LinkedHashMap<>();
        tensors.put(gate(projection), Shape.of((long) experts * routerRank, in));
        for (int i = 0; i < experts; i++) {
            if (dense()) {
                tensors.put(SmileTensorNames.expertWeight(projection, i), Shape.of(out, in));
            } else {
                tensors.put(SmileTensorNames.expertU(projection, i), Shape.of(out, expertRank));
                tensors.put(SmileTensorNames.expertSvh(projection, i), Shape.of(expertRank, in));
            }
            if (bias) {
                tensors.put(SmileTensorNames.expertBias(projection, i), Shape.of(out));
            }
        }
        return tensors;
    }
}

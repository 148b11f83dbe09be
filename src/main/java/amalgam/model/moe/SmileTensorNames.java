package amalgam.model.moe;

/**
 * Where a SMILE MoE linear {@code L} keeps its tensors in a saved mixture. The shared part keeps the plain linear's
 * names, so the file is also the pretrained model to any reader that ignores the rest (FusionBench names it
 * {@code L.pretrained_model.weight}/{@code .bias}); the others are FusionBench's {@code SmileMoELinear} names.
 * <pre>
 * L.weight              [out, in]          W0
 * L.bias                [out]              b0 (absent when the linear has no bias)
 * L.gate.weights        [T·gate_k, in]     rows i·gate_k.. = the top gate_k right singular vectors of expert i
 * L.experts.I.u         [out, k]           U_i[:, :k]                (low-rank experts, k > 0)
 * L.experts.I.svh       [k, in]            diag(S_i[:k]) V_i[:, :k]ᵀ (low-rank experts)
 * L.experts.I.weight    [out, in]          ΔW_i = W_i − W0           (dense experts, k ≤ 0)
 * L.experts.I.bias      [out]              b_i − b0                  (when the linear has a bias)
 * </pre>
 */
public final class SmileTensorNames {
    private SmileTensorNames() {
    }

    public static String weight(String linear) {
        return linear + ".weight";
    }

    public static String bias(String linear) {
        return linear + ".bias";
    }

    public static String gate(String linear) {
        return linear + ".gate.weights";
    }

    public static String expertU(String linear, int expert) {
        return linear + ".experts." + expert + ".u";
    }

    public static String expertSvh(String linear, int expert) {
        return linear + ".experts." + expert + ".svh";
    }

    public static String expertWeight(String linear, int expert) {
        return linear + ".experts." + expert + ".weight";
    }

    public static String expertBias(String linear, int expert) {
        return linear + ".experts." + expert + ".bias";
    }
}

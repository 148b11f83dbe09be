package amalgam.model.moe;

/**
 * Where the weight-ensembling mixtures (WEMoE, sparse WEMoE, RankOne-MoE) keep their tensors in a saved mixture. Every
 * tensor outside the MLP blocks keeps its name and holds task arithmetic's value (θ0 + λ Σᵢ τᵢ); each MLP block
 * {@code M = vision_model.encoder.layers.N.mlp} keeps θ0's fc1/fc2 under their plain names (FusionBench:
 * {@code M.base_model.fc1.weight}, ...) and adds FusionBench's module names for the rest:
 * <pre>
 * WEMoE, sparse WEMoE (T task vectors of the whole MLP; sparse: pruned, stored dense):
 *   M.task_vectors.I.fc1.weight [I, D]   M.task_vectors.I.fc1.bias [I]     τ_i of fc1 (I = intermediate size)
 *   M.task_vectors.I.fc2.weight [D, I]   M.task_vectors.I.fc2.bias [D]     τ_i of fc2
 * RankOne-MoE (the top-k rank-one components of each task's fc weight delta; bias deltas stacked):
 *   M.task_vectors_fc1_u.I [k, I]     M.task_vectors_fc1_svh.I [k, D]     rows j: u_j and s_j v_jᵀ of ΔW1_i
 *   M.task_vectors_fc2_u.I [k, D]     M.task_vectors_fc2_svh.I [k, I]
 *   M.task_vectors_fc1_bias [T, I]    M.task_vectors_fc2_bias [T, D]      row i: τ_i of the bias
 * routers, under G = M.gate (one per block) or G = vision_model.encoder.shared_gate (sparse WEMoE's shared gate):
 *   depth 0: G.weight [E]
 *   depth 1: G.fc.weight [E, in]   G.fc.bias [E]
 *   depth 2: G.fc1.weight [H, in]  G.fc1.bias [H]   G.fc2.weight [E, H]   G.fc2.bias [E]
 * </pre>
 * E = T (WEMoE) or T·k (RankOne); in = D, or D + position_encoding_dim with the shared gate's layer code; H = in
 * (WEMoE) or 2E (RankOne).
 */
public final class WeightEnsemblingTensorNames {
    public static final String SHARED_GATE = "vision_model.encoder.shared_gate";

    private WeightEnsemblingTensorNames() {
    }

    /** The MLP block of vision layer {@code layer}. */
    public static String mlp(int layer) {
        return "vision_model.encoder.layers." + layer + ".mlp";
    }

    /** θ0's tensor {@code fc} ("fc1"/"fc2"), {@code part} ("weight"/"bias") of the block. */
    public static String base(int layer, String fc, String part) {
        return mlp(layer) + "." + fc + "." + part;
    }

    /** τ_i of the block's {@code fc}.{@code part}. */
    public static String taskVector(int layer, int expert, String fc, String part) {
        return mlp(layer) + ".task_vectors." + expert + "." + fc + "." + part;
    }

    /** RankOne: the left singular vectors uⱼᵀ (rows) of task {@code expert}'s ΔW of {@code fc}. */
    public static String rankOneU(int layer, int expert, String fc) {
        return mlp(layer) + ".task_vectors_" + fc + "_u." + expert;
    }

    /** RankOne: sⱼ vⱼᵀ (rows) of task {@code expert}'s ΔW of {@code fc}. */
    public static String rankOneSvh(int layer, int expert, String fc) {
        return mlp(layer) + ".task_vectors_" + fc + "_svh." + expert;
    }

    /** RankOne: the bias task vectors of {@code fc}, one row per task. */
    public static String rankOneBias(int layer, String fc) {
        return mlp(layer) + ".task_vectors_" + fc + "_bias";
    }

    /** The router prefix of the block (its own gate). */
    public static String gate(int layer) {
        return mlp(layer) + ".gate";
    }
}

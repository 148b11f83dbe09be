package amalgam.cli;

import amalgam.io.TensorInfo;
import amalgam.model.moe.MixtureDescription;
import amalgam.model.moe.MoeCheckpoint;
import amalgam.model.moe.RankOneMixture;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.WeightEnsemblingMixture;
import amalgam.tensor.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code inspect} says about a saved mixture of experts: its experts, each MoE linear's router (gate rows) and
 * experts, and its parameters in all and per token (a token runs every shared weight and gate, and its top_k
 * experts of each MoE linear); for the weight-ensembling kinds, the routers and task-vector sizes (every expert is
 * merged into each batch's weights, so all parameters are active). The expert tensors moe.json lists are checked against the checkpoint first.
 */
record MixtureSummary(MixtureDescription description, long totalParameters) {
    static MixtureSummary of(MixtureDescription description, List<TensorInfo> tensors, long totalParameters, Path folder) {
        Map<String, Shape> shapes = new HashMap<>();
        tensors.forEach(info -> shapes.put(info.name(), info.shape()));
        MoeCheckpoint.checkTensors(description, shapes, folder);
        return new MixtureSummary(description, totalParameters);
    }

    long activeParametersPerToken() {
        return totalParameters - description.idleParametersPerToken();
    }

    ObjectNode toJson() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("kind", description.kind());
        ArrayNode experts = root.putArray("experts");
        description.experts().forEach(experts::add);
        switch (description) {
            case SmileMixture smile -> {
                root.put("top_k", smile.settings().topK());
                root.put("gate_k", smile.settings().gateK());
                root.put("k", smile.settings().k());
                root.put("routing_use_diff", smile.settings().routingUseDiff());
                root.put("average_experts", smile.settings().averageExperts());
                ArrayNode linears = root.putArray("linears");
                for (SmileMixture.Linear linear : smile.linears()) {
                    linears.addObject().put("name", linear.name()).put("in_features", linear.inFeatures())
                            .put("out_features", linear.outFeatures()).put("gate_k", linear.gateK()).put("k", linear.k())
                            .put("router_parameters", (long) smile.experts().size() * linear.gateK() * linear.inFeatures())
                            .put("expert_parameters", linear.expertParameters());
                }
            }
            case WeightEnsemblingMixture mixture -> {
                root.put("layers", mixture.layers());
                root.put("router_hidden_layers", mixture.routerDepth());
                root.put("init_lambda", mixture.initLambda());
                root.put("batch_reduce", mixture.batchReduce());
                if (mixture.sparse() != null) {
                    root.put("tv_prune_ratio", mixture.sparse().tvPruneRatio());
                    root.put("shared_gate", mixture.sparse().sharedGate());
                    root.put("position_encoding", mixture.sparse().positionEncoding());
                }
                root.put("router_parameters", mixture.routerParameters());
                root.put("expert_parameters_per_layer", mlpParameters(mixture.hiddenSize(), mixture.intermediateSize()));
            }
            case RankOneMixture mixture -> {
                root.put("layers", mixture.layers());
                root.put("router_hidden_layers", mixture.routerDepth());
                root.put("init_lambda", mixture.initLambda());
                root.put("batch_reduce", mixture.batchReduce());
                root.put("rank_k", mixture.rankK());
                root.put("select_k", mixture.selectK());
                root.put("router_parameters", mixture.routerParameters());
                root.put("expert_parameters_per_layer", (long) mixture.rankK() * 2 * (mixture.hiddenSize() + mixture.intermediateSize()));
            }
        }
        root.put("num_parameters", totalParameters);
        root.put("active_parameters_per_token", activeParametersPerToken());
        return root;
    }

    /** Parameters of one MLP's fc1 and fc2 (weights and biases): one WEMoE expert's share of a block. */
    private static long mlpParameters(int hidden, int intermediate) {
        return 2L * hidden * intermediate + hidden + intermediate;
    }

    void print(PrintWriter out) {
        switch (description) {
            case SmileMixture smile -> {
                out.printf("%nSMILE mixture of %d experts (%s), top_k %d of them per token; gate_k %d, k %d, routing on %s%n",
                        smile.experts().size(), String.join(", ", smile.experts()), smile.settings().topK(), smile.settings().gateK(),
                        smile.settings().k(), smile.settings().routingUseDiff() ? "ΔW" : "W");
                out.printf("%-50s  %9s  %6s  %6s  %12s  %14s%n", "MoE linear", "out x in", "gate_k", "k", "router", "per expert");
                for (SmileMixture.Linear linear : smile.linears()) {
                    out.printf("%-50s  %9s  %6d  %6s  %,12d  %,14d%n", linear.name(), linear.outFeatures() + "x" + linear.inFeatures(),
                            linear.gateK(), linear.dense() ? "dense" : String.valueOf(linear.k()),
                            (long) smile.experts().size() * linear.gateK() * linear.inFeatures(), linear.expertParameters());
                }
            }
            case WeightEnsemblingMixture mixture -> {
                out.printf("%n%s mixture of %d experts (%s): every MLP block of the %d layers is θ0 + Σᵢ rᵢ τᵢ, r from a depth-%d"
                                + " router%s, averaged over tokens%s; outside the MLPs task arithmetic (λ = %s)%n",
                        mixture.sparse() == null ? "WEMoE" : "Sparse WEMoE", mixture.experts().size(),
                        String.join(", ", mixture.experts()), mixture.layers(), mixture.routerDepth(),
                        mixture.sharedGate() ? " shared by every block" + (mixture.sparse().positionEncoding() ? " (with a layer code)" : "")
                                : " per block", mixture.batchReduce() ? " and over each batch" : " (per image)",
                        Double.toString(mixture.initLambda()));
                if (mixture.sparse() != null) {
                    out.printf("task vectors pruned to |x| > quantile(|x|, %s) per tensor%s%n", Double.toString(mixture.sparse().tvPruneRatio()),
                            mixture.sparse().postSparseGate() ? ", routers to quantile " + mixture.sparse().gatePruneRatio() : "");
                }
                out.printf("router parameters %,d (trained); task-vector parameters per expert and block %,d%n", mixture.routerParameters(),
                        mlpParameters(mixture.hiddenSize(), mixture.intermediateSize()));
            }
            case RankOneMixture mixture -> {
                out.printf("%nRankOne-MoE mixture of %d tasks (%s) x %d rank-one experts per fc: every MLP block of the %d layers"
                                + " merges W0 + Σ wⱼ uⱼ sⱼ vⱼᵀ, w from a depth-%d router (%s), averaged over tokens%s; biases and"
                                + " everything outside the MLPs task arithmetic (λ = %s)%n", mixture.experts().size(),
                        String.join(", ", mixture.experts()), mixture.rankK(), mixture.layers(), mixture.routerDepth(),
                        mixture.selectK() > 0 ? "soft top " + mixture.selectK() : "all experts", mixture.batchReduce() ? " and over each batch"
                                : " (per image)", Double.toString(mixture.initLambda()));
                out.printf("router parameters %,d (trained)%n", mixture.routerParameters());
            }
        }
        switch (description) {
            case SmileMixture smile -> out.printf("%d MoE linears, %,d parameters in all, %,d active per token%n", smile.linears().size(),
                    totalParameters, activeParametersPerToken());
            case WeightEnsemblingMixture mixture -> out.printf("%d mixture MLP blocks, %,d parameters in all, all of them active (each"
                    + " batch merges every expert)%n", mixture.layers(), totalParameters);
            case RankOneMixture mixture -> out.printf("%d mixture MLP blocks, %,d parameters in all, all of them active (each batch"
                    + " merges every expert)%n", mixture.layers(), totalParameters);
        }
    }
}

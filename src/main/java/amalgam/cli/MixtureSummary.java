package amalgam.cli;

import amalgam.io.TensorInfo;
import amalgam.model.moe.MixtureDescription;
import amalgam.model.moe.MoeCheckpoint;
import amalgam.model.moe.SmileMixture;
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
 * experts of each MoE linear). The expert tensors moe.json lists are checked against the checkpoint first.
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
        }
        root.put("num_parameters", totalParameters);
        root.put("active_parameters_per_token", activeParametersPerToken());
        return root;
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
        }
        out.printf("%d MoE linears, %,d parameters in all, %,d active per token%n", switch (description) {
            case SmileMixture smile -> smile.linears().size();
        }, totalParameters, activeParametersPerToken());
    }
}

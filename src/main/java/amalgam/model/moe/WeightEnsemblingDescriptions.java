package amalgam.model.moe;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Reads the {@code moe.json} of the weight-ensembling kinds, checked:
 * <pre>
 * {"format": "amalgam-moe", "version": 1, "kind": "wemoe" | "sparse_wemoe" | "rankone_moe",
 *  "experts": ["mnist", ...],
 *  "parameters": {"router_hidden_layers": 2, "init_lambda": 0.3, "batch_reduce": true,
 *                 sparse_wemoe: "tv_prune_ratio", "post_sparse_gate", "gate_prune_ratio", "shared_gate",
 *                               "position_encoding", "position_encoding_dim";
 *                 rankone_moe:  "rank_k" (as built: at most min(D, I)), "select_k"},
 *  "layers": 3, "hidden_size": 64, "intermediate_size": 256}
 * </pre>
 * {@code batch_reduce} is the rule evaluation follows (routing averaged over each batch, or per image).
 */
final class WeightEnsemblingDescriptions {
    private static final int MAX_SIZE = 1 << 20;

    private WeightEnsemblingDescriptions() {
    }

    static MixtureDescription read(String kind, JsonNode root, List<String> experts, String what) {
        JsonNode parameters = root.path("parameters");
        if (!parameters.isObject()) {
            throw new UserInputException(what + ": 'parameters' must be an object (router_hidden_layers, init_lambda, batch_reduce, ...)");
        }
        int layers = size(root, "layers", what);
        int hidden = size(root, "hidden_size", what);
        int intermediate = size(root, "intermediate_size", what);
        int depth = MoeCheckpoint.integer(parameters, "router_hidden_layers", what);
        if (depth < 0 || depth > 2) {
            throw new UserInputException(what + ": 'router_hidden_layers' must be 0, 1 or 2, got " + depth);
        }
        double initLambda = number(parameters, "init_lambda", what);
        boolean batchReduce = MoeCheckpoint.bool(parameters, "batch_reduce", what);
        if (kind.equals(RankOneMixture.KIND)) {
            int rankK = MoeCheckpoint.integer(parameters, "rank_k", what);
            int selectK = MoeCheckpoint.integer(parameters, "select_k", what);
            if (rankK < 1 || rankK > Math.min(hidden, intermediate) || selectK > (long) experts.size() * rankK) {
                throw new UserInputException(what + ": needs 1 <= rank_k <= min(hidden_size, intermediate_size) and select_k <= "
                        + "experts x rank_k; got rank_k " + rankK + ", select_k " + selectK);
            }
            return new RankOneMixture(experts, layers, hidden, intermediate, depth, initLambda, batchReduce, rankK, selectK);
        }
        WeightEnsemblingMixture.Sparse sparse = null;
        if (kind.equals(WeightEnsemblingMixture.SPARSE_KIND)) {
            int codeDim = MoeCheckpoint.integer(parameters, "position_encoding_dim", what);
            boolean positionEncoding = MoeCheckpoint.bool(parameters, "position_encoding", what);
            if (positionEncoding && (codeDim < 2 || codeDim % 2 != 0 || codeDim > MAX_SIZE)) {
                throw new UserInputException(what + ": 'position_encoding_dim' must be an even number >= 2, got " + codeDim);
            }
            sparse = new WeightEnsemblingMixture.Sparse(number(parameters, "tv_prune_ratio", what),
                    MoeCheckpoint.bool(parameters, "post_sparse_gate", what), number(parameters, "gate_prune_ratio", what),
                    MoeCheckpoint.bool(parameters, "shared_gate", what), positionEncoding, codeDim);
        }
        return new WeightEnsemblingMixture(experts, layers, hidden, intermediate, depth, initLambda, batchReduce, sparse);
    }

    private static int size(JsonNode node, String field, String what) {
        int value = MoeCheckpoint.integer(node, field, what);
        if (value < 1 || value > MAX_SIZE) {
            throw new UserInputException(what + ": '" + field + "' must be between 1 and " + MAX_SIZE + ", got " + value);
        }
        return value;
    }

    private static double number(JsonNode node, String field, String what) {
        JsonNode value = node.path(field);
        if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
            throw new UserInputException(what + ": '" + field + "' must be a finite number");
        }
        return value.asDouble();
    }
}

package amalgam.model.moe;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import amalgam.io.ConfigFiles;
import amalgam.io.StrictJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A saved mixture of experts: a model folder (config.json of the tower, {@code model.safetensors} or shards, a model
 * card) plus {@code moe.json}, which says what kind of mixture the tensors form:
 * <pre>
 * {"format": "amalgam-moe", "version": 1, "kind": "smile",
 *  "experts": ["mnist", "fashion_mnist", ...],
 *  "parameters": {"gate_k": 1, "k": 128, "top_k": 1, "routing_use_diff": true, "average_experts": false},
 *  "linears": [{"name": "vision_model.encoder.layers.0.self_attn.q_proj", "in_features": 64, "out_features": 64,
 *               "gate_k": 1, "k": 64, "bias": true}, ...]}
 * </pre>
 * {@code parameters} are the values the method ran with; each linear gives the ranks it really has (gate_k and k
 * clamped to min(out, in); k = −1 for dense experts). Tensor names: {@link SmileTensorNames}. The weight-ensembling
 * kinds ({@code wemoe}, {@code sparse_wemoe}, {@code rankone_moe}) give their parameters and the tower's
 * {@code layers}, {@code hidden_size} and {@code intermediate_size} instead of linears
 * ({@link WeightEnsemblingDescriptions}, tensor names {@link WeightEnsemblingTensorNames}).
 */
public final class MoeCheckpoint {
    public static final String FILE = "moe.json";
    private static final String FORMAT = "amalgam-moe";
    private static final int VERSION = 1;
    private static final int MAX_EXPERTS = 1 << 16;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private MoeCheckpoint() {
    }

    /** Whether {@code directory} is a saved mixture (holds {@code moe.json}). */
    public static boolean isMixture(Path directory) {
        return Files.isDirectory(directory) && Files.isRegularFile(directory.resolve(FILE));
    }

    /** Writes {@code moe.json} into {@code directory} (the tensors are written by the caller). */
    public static void write(Path directory, MixtureDescription description) {
        AtomicFiles.writeString(directory.resolve(FILE), toJson(description));
    }

    /** The text of {@code moe.json} for a description. */
    public static String toJson(MixtureDescription description) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("kind", description.kind());
        ArrayNode experts = root.putArray("experts");
        description.experts().forEach(experts::add);
        switch (description) {
            case SmileMixture smile -> {
                SmileMixture.Settings settings = smile.settings();
                root.putObject("parameters").put("gate_k", settings.gateK()).put("k", settings.k()).put("top_k", settings.topK())
                        .put("routing_use_diff", settings.routingUseDiff()).put("average_experts", settings.averageExperts());
                ArrayNode linears = root.putArray("linears");
                for (SmileMixture.Linear linear : smile.linears()) {
                    linears.addObject().put("name", linear.name()).put("in_features", linear.inFeatures())
                            .put("out_features", linear.outFeatures()).put("gate_k", linear.gateK()).put("k", linear.k())
                            .put("bias", linear.bias());
                }
            }
            case WeightEnsemblingMixture mixture -> {
                ObjectNode parameters = root.putObject("parameters").put("router_hidden_layers", mixture.routerDepth())
                        .put("init_lambda", mixture.initLambda()).put("batch_reduce", mixture.batchReduce());
                WeightEnsemblingMixture.Sparse sparse = mixture.sparse();
                if (sparse != null) {
                    parameters.put("tv_prune_ratio", sparse.tvPruneRatio()).put("post_sparse_gate", sparse.postSparseGate())
                            .put("gate_prune_ratio", sparse.gatePruneRatio()).put("shared_gate", sparse.sharedGate())
                            .put("position_encoding", sparse.positionEncoding()).put("position_encoding_dim", sparse.positionEncodingDim());
                }
                putTower(root, mixture.layers(), mixture.hiddenSize(), mixture.intermediateSize());
            }
            case RankOneMixture mixture -> {
                root.putObject("parameters").put("router_hidden_layers", mixture.routerDepth()).put("init_lambda", mixture.initLambda())
                        .put("batch_reduce", mixture.batchReduce()).put("rank_k", mixture.rankK()).put("select_k", mixture.selectK());
                putTower(root, mixture.layers(), mixture.hiddenSize(), mixture.intermediateSize());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The mixture {@code directory} describes, checked; a {@link UserInputException} naming the file and field if not. */
    public static MixtureDescription read(Path directory) {
        Path file = directory.resolve(FILE);
        String what = "'" + file + "'";
        JsonNode root = StrictJson.parse(ConfigFiles.readText(file, "mixture description").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                what);
        if (!root.isObject() || !FORMAT.equals(root.path("format").asText(null)) || !root.path("version").isInt()
                || root.path("version").asInt() != VERSION) {
            throw new UserInputException(what + " is not an amalgam mixture description (needs \"format\": \"" + FORMAT
                    + "\", \"version\": " + VERSION + ")");
        }
        String kind = root.path("kind").asText("");
        List<String> known = List.of(SmileMixture.KIND, WeightEnsemblingMixture.KIND, WeightEnsemblingMixture.SPARSE_KIND,
                RankOneMixture.KIND);
        if (!known.contains(kind)) {
            throw new UserInputException(what + ": unknown mixture kind '" + kind + "' (known: " + String.join(", ", known) + ")");
        }
        List<String> experts = experts(root.path("experts"), what);
        if (!kind.equals(SmileMixture.KIND)) {
            return WeightEnsemblingDescriptions.read(kind, root, experts, what);
        }
        JsonNode parameters = root.path("parameters");
        if (!parameters.isObject()) {
            throw new UserInputException(what + ": 'parameters' must be an object with gate_k, k, top_k, routing_use_diff, average_experts");
        }
        SmileMixture.Settings settings = new SmileMixture.Settings(integer(parameters, "gate_k", what), integer(parameters, "k", what),
                integer(parameters, "top_k", what), bool(parameters, "routing_use_diff", what), bool(parameters, "average_experts", what));
        if (settings.topK() < 1 || settings.topK() > experts.size()) {
            throw new UserInputException(what + ": top_k " + settings.topK() + " must be between 1 and the " + experts.size() + " experts");
        }
        JsonNode linearNodes = root.path("linears");
        if (!linearNodes.isArray()) {
            throw new UserInputException(what + ": 'linears' must be a list");
        }
        List<SmileMixture.Linear> linears = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode node : linearNodes) {
            String name = node.path("name").isTextual() ? node.path("name").asText() : "";
            if (name.isEmpty() || !names.add(name)) {
                throw new UserInputException(what + ": every linear needs a distinct, non-empty 'name'");
            }
            String where = what + ", linear '" + name + "'";
            int in = integer(node, "in_features", where);
            int out = integer(node, "out_features", where);
            int gateK = integer(node, "gate_k", where);
            int k = integer(node, "k", where);
            int rank = Math.min(in, out);
            if (in < 1 || out < 1 || gateK < 1 || gateK > rank || k == 0 || k < -1 || k > rank) {
                throw new UserInputException(where + ": needs in_features, out_features >= 1, 1 <= gate_k <= min(in, out)"
                        + " and k = -1 (dense experts) or 1 <= k <= min(in, out); got in " + in + ", out " + out + ", gate_k "
                        + gateK + ", k " + k);
            }
            linears.add(new SmileMixture.Linear(name, in, out, gateK, k, bool(node, "bias", where)));
        }
        return new SmileMixture(experts, settings, linears);
    }

    /**
     * Refuses a description whose tensors the model folder does not hold with the listed shapes ({@code shapes}: the
     * folder's tensor shapes by name), naming the first tensor at fault.
     */
    public static void checkTensors(MixtureDescription description, java.util.Map<String, amalgam.tensor.Shape> shapes, Path folder) {
        java.util.SequencedMap<String, amalgam.tensor.Shape> listed = switch (description) {
            case SmileMixture smile -> null;
            case WeightEnsemblingMixture mixture -> mixture.mixtureTensors();
            case RankOneMixture mixture -> mixture.mixtureTensors();
        };
        if (listed != null) {
            listed.forEach((name, shape) -> {
                if (!shapes.containsKey(name)) {
                    throw new UserInputException("mixture '" + folder + "' is missing tensor '" + name + "' (" + FILE + " describes a "
                            + description.kind() + " mixture of " + description.experts().size() + " experts)");
                }
                if (!shape.equals(shapes.get(name))) {
                    throw new UserInputException("mixture '" + folder + "': tensor '" + name + "' has shape " + shapes.get(name)
                            + " but " + FILE + " needs " + shape);
                }
            });
            return;
        }
        switch (description) {
            case SmileMixture smile -> {
                for (SmileMixture.Linear linear : smile.linears()) {
                    linear.expertTensors(smile.experts().size()).forEach((name, shape) -> {
                        if (!shapes.containsKey(name)) {
                            throw new UserInputException("mixture '" + folder + "' is missing tensor '" + name + "' (" + FILE
                                    + " lists " + smile.experts().size() + " experts for linear '" + linear.name() + "')");
                        }
                        if (!shape.equals(shapes.get(name))) {
                            throw new UserInputException("mixture '" + folder + "': tensor '" + name + "' has shape " + shapes.get(name)
                                    + " but " + FILE + " needs " + shape);
                        }
                    });
                }
            }
            case WeightEnsemblingMixture mixture -> { }
            case RankOneMixture mixture -> { }
        }
    }

    private static void putTower(ObjectNode root, int layers, int hiddenSize, int intermediateSize) {
        root.put("layers", layers).put("hidden_size", hiddenSize).put("intermediate_size", intermediateSize);
    }

    private static List<String> experts(JsonNode node, String what) {
        if (!node.isArray() || node.isEmpty() || node.size() > MAX_EXPERTS) {
            throw new UserInputException(what + ": 'experts' must be a non-empty list of expert names");
        }
        List<String> experts = new ArrayList<>();
        for (JsonNode expert : node) {
            if (!expert.isTextual() || expert.asText().isEmpty()) {
                throw new UserInputException(what + ": every expert name must be a non-empty string");
            }
            experts.add(expert.asText());
        }
        return experts;
    }

    static int integer(JsonNode node, String field, String where) {
        JsonNode value = node.path(field);
        if (!value.isInt()) {
            throw new UserInputException(where + ": '" + field + "' must be an integer");
        }
        return value.asInt();
    }

    static boolean bool(JsonNode node, String field, String where) {
        JsonNode value = node.path(field);
        if (!value.isBoolean()) {
            throw new UserInputException(where + ": '" + field + "' must be true or false");
        }
        return value.asBoolean();
    }
}

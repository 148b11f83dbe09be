package amalgam.model.clip;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import amalgam.io.Checkpoint;
import amalgam.io.ConfigFiles;
import amalgam.io.SafetensorsFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A saved CLIP ensemble: a folder with {@code ensemble.json} (how features combine, each member's folder and
 * weight), one sub-folder per member (an ordinary CLIP vision checkpoint) and {@code visual_projection.safetensors}
 * (the shared projection). {@code amalgam run} and task pools evaluate such a folder as the ensemble it describes.
 * <pre>
 * {"format": "amalgam-clip-ensemble", "version": 1, "combination": "weighted_sum",
 *  "members": [{"name": "mnist", "folder": "mnist", "weight": 0.125}, ...]}
 * </pre>
 */
public final class EnsembleCheckpoint {
    public static final String FILE = "ensemble.json";
    public static final String PROJECTION_FILE = "visual_projection.safetensors";
    private static final String FORMAT = "amalgam-clip-ensemble";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One member: its name, folder (relative to the ensemble's) and weight. */
    public record Member(String name, String folder, double weight) {
    }

    private EnsembleCheckpoint() {
    }

    public static boolean isEnsemble(Path directory) {
        return Files.isRegularFile(directory.resolve(FILE));
    }

    /** Writes {@code ensemble.json} into {@code directory} (the members and projection are written by the caller). */
    public static void writeDescription(Path directory, EnsembleEmbedder.Combination combination, List<Member> members) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", 1);
        root.put("combination", combination.name().toLowerCase(java.util.Locale.ROOT));
        ArrayNode list = root.putArray("members");
        for (Member member : members) {
            list.addObject().put("name", member.name()).put("folder", member.folder()).put("weight", member.weight());
        }
        try {
            AtomicFiles.writeString(directory.resolve(FILE), JSON.writeValueAsString(root) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The combination and members an ensemble folder describes, checked (members stay inside the folder). */
    public static Description read(Path directory) {
        Path file = directory.resolve(FILE);
        JsonNode root;
        try {
            root = JSON.readTree(ConfigFiles.readText(file, "ensemble description"));
        } catch (java.io.IOException e) {
            throw new UserInputException("'" + file + "' is not valid JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(root.path("format").asText()) || root.path("version").asInt() != 1) {
            throw new UserInputException("'" + file + "' is not an amalgam CLIP ensemble description (format " + FORMAT + ", version 1)");
        }
        EnsembleEmbedder.Combination combination = switch (root.path("combination").asText()) {
            case "weighted_sum" -> EnsembleEmbedder.Combination.WEIGHTED_SUM;
            case "max" -> EnsembleEmbedder.Combination.MAX;
            default -> throw new UserInputException("'" + file + "': combination must be weighted_sum or max");
        };
        List<Member> members = new ArrayList<>();
        for (JsonNode node : root.path("members")) {
            String folder = node.path("folder").asText("");
            Path resolved = directory.resolve(folder).normalize();
            if (folder.isEmpty() || !resolved.startsWith(directory.normalize()) || resolved.equals(directory.normalize())
                    || !node.path("weight").isNumber() || !Double.isFinite(node.path("weight").asDouble())) {
                throw new UserInputException("'" + file + "': every member needs a sub-folder of the ensemble and a finite weight");
            }
            members.add(new Member(node.path("name").asText(folder), folder, node.path("weight").asDouble()));
        }
        if (members.isEmpty()) {
            throw new UserInputException("'" + file + "' lists no members");
        }
        return new Description(directory, combination, members);
    }

    /** A read ensemble description. */
    public record Description(Path directory, EnsembleEmbedder.Combination combination, List<Member> members) {
        /** Embedders over the members' weights (loaded once into {@code arena}), for a task pool's lanes. */
        public ImageEmbedder.Factory embedders(Arena arena) {
            ClipConfig first = ClipConfig.read(directory.resolve(members.getFirst().folder()).resolve("config.json"));
            ClipConfig vision = new ClipConfig(first.vision(), null, first.projectionDim());
            List<amalgam.nn.Parameters> params = new ArrayList<>();
            for (Member member : members) {
                try (Checkpoint checkpoint = Checkpoint.open(directory.resolve(member.folder()))) {
                    params.add(ClipWeights.load(checkpoint, vision, false, arena));
                }
            }
            amalgam.tensor.Tensor projection;
            try (SafetensorsFile stored = SafetensorsFile.open(directory.resolve(PROJECTION_FILE))) {
                if (stored.find(ClipVisionFamily.PROJECTION).isEmpty()) {
                    throw new UserInputException("'" + directory.resolve(PROJECTION_FILE) + "' has no '" + ClipVisionFamily.PROJECTION + "'");
                }
                projection = amalgam.tensor.kernel.Convert.toF32(stored.tensor(ClipVisionFamily.PROJECTION), arena);
            }
            amalgam.tensor.Shape expected = amalgam.tensor.Shape.of(vision.projectionDim(), vision.vision().hiddenSize());
            if (!projection.shape().equals(expected)) {
                throw new UserInputException("'" + directory.resolve(PROJECTION_FILE) + "': projection " + projection.shape()
                        + ", the members need " + expected);
            }
            double[] weights = members.stream().mapToDouble(Member::weight).toArray();
            ClipModel model = new ClipModel(vision);
            return threads -> new EnsembleEmbedder(model, params, weights, combination, projection, threads);
        }

        public int imageSize() {
            return ClipConfig.read(directory.resolve(members.getFirst().folder()).resolve("config.json")).vision().imageSize();
        }
    }
}

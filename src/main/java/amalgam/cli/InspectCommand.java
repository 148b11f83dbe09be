package amalgam.cli;

import amalgam.io.Checkpoint;
import amalgam.io.HubCache;
import amalgam.io.TensorInfo;
import amalgam.model.moe.MoeCheckpoint;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code amalgam inspect MODEL [--json]}: the tensors of a checkpoint, one row each, and totals; for a saved mixture
 * of experts also its experts, routers and parameters per token ({@link MixtureSummary}).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "List the tensors of a checkpoint (file, directory, sharded, or HF cache repo).")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A .safetensors or .bin file, a model directory, a Hugging Face cache repo directory, or a hub repo id (org/name[@revision]) in the local Hugging Face cache.")
    Path model;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (java.nio.file.Files.isDirectory(model) && amalgam.model.clip.EnsembleCheckpoint.isEnsemble(model)) {
            inspectEnsemble(out);
            return Main.EXIT_OK;
        }
        try (Checkpoint checkpoint = Checkpoint.open(HubCache.locate(model.toString()))) {
            List<TensorInfo> tensors = checkpoint.tensors();
            long parameters = tensors.stream().mapToLong(info -> info.shape().elementCount()).sum();
            MixtureSummary mixture = java.nio.file.Files.isDirectory(model) && MoeCheckpoint.isMixture(model)
                    ? MixtureSummary.of(MoeCheckpoint.read(model), tensors, parameters, model) : null;
            if (json) {
                ObjectNode root = toJson(tensors, parameters);
                if (mixture != null) {
                    root.set("moe", mixture.toJson());
                }
                out.println(new ObjectMapper().writeValueAsString(root));
            } else {
                printTable(out, tensors, parameters);
                if (mixture != null) {
                    mixture.print(out);
                }
            }
        }
        return Main.EXIT_OK;
    }

    /** An ensemble folder: how it combines its members, and each member's weight and size. */
    private void inspectEnsemble(PrintWriter out) throws Exception {
        amalgam.model.clip.EnsembleCheckpoint.Description ensemble = amalgam.model.clip.EnsembleCheckpoint.read(model);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ObjectNode description = root.putObject("ensemble");
        description.put("combination", ensemble.combination().name().toLowerCase(java.util.Locale.ROOT));
        ArrayNode members = description.putArray("members");
        long total = 0;
        for (amalgam.model.clip.EnsembleCheckpoint.Member member : ensemble.members()) {
            long parameters;
            try (Checkpoint checkpoint = Checkpoint.open(model.resolve(member.folder()))) {
                parameters = checkpoint.tensors().stream().mapToLong(info -> info.shape().elementCount()).sum();
            }
            total += parameters;
            members.addObject().put("name", member.name()).put("folder", member.folder()).put("weight", member.weight())
                    .put("num_parameters", parameters);
        }
        root.put("num_parameters", total);
        if (json) {
            out.println(mapper.writeValueAsString(root));
            return;
        }
        out.printf("ensemble of %d models, features combined by %s before the shared projection%n", ensemble.members().size(),
                description.get("combination").asText());
        out.printf("%-24s  %-24s  %10s  %15s%n", "member", "folder", "weight", "parameters");
        for (var member : members) {
            out.printf("%-24s  %-24s  %10.6f  %,15d%n", member.get("name").asText(), member.get("folder").asText(),
                    member.get("weight").asDouble(), member.get("num_parameters").asLong());
        }
        out.printf("%,d parameters in all%n", total);
    }

    private static ObjectNode toJson(List<TensorInfo> tensors, long parameters) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ArrayNode array = root.putArray("tensors");
        for (TensorInfo info : tensors) {
            ObjectNode entry = array.addObject();
            entry.put("name", info.name());
            entry.put("dtype", info.dtype().safetensorsName());
            ArrayNode shape = entry.putArray("shape");
            for (long dim : info.shape().toArray()) {
                shape.add(dim);
            }
        }
        root.put("num_tensors", tensors.size());
        root.put("num_parameters", parameters);
        return root;
    }

    private static void printTable(PrintWriter out, List<TensorInfo> tensors, long parameters) {
        int nameWidth = Math.max(4, tensors.stream().mapToInt(info -> info.name().length()).max().orElse(4));
        String format = "%-" + nameWidth + "s  %-7s  %-20s  %,15d%n";
        out.printf("%-" + nameWidth + "s  %-7s  %-20s  %15s%n", "name", "dtype", "shape", "parameters");
        for (TensorInfo info : tensors) {
            out.printf(format, info.name(), info.dtype().safetensorsName(), info.shape(), info.shape().elementCount());
        }
        out.printf("%d tensors, %,d parameters%n", tensors.size(), parameters);
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.SafetensorsFile;
import amalgam.linalg.LinearAlgebra;
import amalgam.merge.Versions;
import amalgam.testing.Fixtures;
import amalgam.testing.SafetensorsTestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provenance of a fused model names every input file with its size and SHA-256 (computed here from the whole
 * file, independently of the engine), in every output shard's {@code __metadata__} and in the model card, for
 * both dialects.
 */
class ProvenanceCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void fusionBenchRunRecordsEveryShardOfEveryInput() throws Exception {
        Path clip = Fixtures.mergeTiny().resolve("clip");
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained_sharded")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  svhn: " + clip.resolve("svhn") + "\n");
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + out);
        assertEquals(0, result.exitCode(), result.err());

        List<Path> inputs = List.of(clip.resolve("pretrained_sharded"), clip.resolve("sun397"), clip.resolve("svhn"));
        assertTrue(safetensors(inputs.getFirst()).size() > 1, "the pretrained input is sharded");
        JsonNode recorded = recordedInputs(safetensors(out).getFirst());
        assertEquals(List.of("_pretrained_", "sun397", "svhn"), names(recorded));
        for (int i = 0; i < inputs.size(); i++) {
            assertFilesMatch(inputs.get(i), recorded.get(i).get("files"));
        }
        String card = Files.readString(out.resolve("README.md"));
        for (Path file : safetensors(clip.resolve("pretrained_sharded"))) {
            assertTrue(card.contains(sha256(file)), "the model card lists " + file.getFileName());
        }
    }

    @Test
    void mergekitMergeRecordsEveryModelInEveryOutputShard() throws Exception {
        Path tiny = Fixtures.mergeTiny();
        Path config = Files.writeString(temp.resolve("merge.yml"), "merge_method: task_arithmetic\nbase_model: "
                + tiny.resolve("llama/base") + "\nmodels:\n  - model: " + tiny.resolve("llama/math")
                + "\n    parameters:\n      weight: 0.5\n  - model: " + tiny.resolve("llama/code")
                + "\n    parameters:\n      weight: 0.5\ndtype: float32\n");
        Path out = temp.resolve("merged");
        CliRunner result = CliRunner.run("merge", config.toString(), out.toString(), "--out-shard-size", "20000");
        assertEquals(0, result.exitCode(), result.err());

        List<Path> shards = safetensors(out);
        assertTrue(shards.size() > 1, "the output is sharded: " + shards);
        JsonNode recorded = recordedInputs(shards.getFirst());
        for (Path shard : shards) {
            assertEquals(recorded, recordedInputs(shard), shard.toString());
        }
        List<Path> models = new ArrayList<>();
        for (JsonNode input : recorded) {
            models.add(Path.of(input.get("path").asText()));
        }
        assertEquals(3, models.size(), recorded.toString());
        assertTrue(models.stream().map(Path::normalize).toList().containsAll(List.of(tiny.resolve("llama/base").normalize(),
                tiny.resolve("llama/math").normalize(), tiny.resolve("llama/code").normalize())), models.toString());
        for (int i = 0; i < models.size(); i++) {
            assertFilesMatch(models.get(i), recorded.get(i).get("files"));
        }
    }

    @Test
    void fusionBenchRunRecordsMethodResolvedParametersSeedAndSoftware() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Path pool = Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  svhn: " + clip.resolve("svhn") + "\n");
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("run", "method=ties_merging", "method.threshold=10", "seed=5", "modelpool=" + pool,
                "taskpool=dummy", "merged_model_save_path=" + out);
        assertEquals(0, result.exitCode(), result.err());

        Map<String, String> metadata = SafetensorsTestFiles.metadata(out.resolve("model.safetensors"));
        assertEquals("fusionbench", metadata.get("amalgam.dialect"));
        assertEquals("ties_merging", metadata.get("amalgam.method"));
        assertEquals("5", metadata.get("amalgam.seed"));
        // every parameter with its resolved value: the one given, and the declared defaults of the others
        JsonNode parameters = JSON.readTree(metadata.get("amalgam.parameters"));
        assertEquals(10.0, parameters.path("threshold").asDouble(-1), parameters.toString());
        assertEquals(0.3, parameters.path("scaling_factor").asDouble(-1), parameters.toString());
        assertEquals("sum", parameters.path("merge_func").asText(), parameters.toString());
        assertTrue(parameters.path("remove_keys").isArray() && parameters.get("remove_keys").isEmpty(), parameters.toString());
        assertSoftware(metadata);
    }

    @Test
    void mergekitMergeRecordsMethodConfigSeedAndSoftware() throws Exception {
        Path llama = Fixtures.path("merge-tiny/llama");
        String text = "merge_method: dare_ties\nbase_model: " + llama.resolve("base") + "\nmodels:\n  - model: "
                + llama.resolve("math") + "\n    parameters: {weight: 0.5, density: 0.5}\n  - model: " + llama.resolve("code")
                + "\n    parameters: {weight: 0.5, density: 0.7}\ndtype: float32\n";
        Path config = Files.writeString(temp.resolve("merge.yml"), text);
        Path out = temp.resolve("merged");
        CliRunner result = CliRunner.run("merge", config.toString(), out.toString(), "--seed", "3");
        assertEquals(0, result.exitCode(), result.err());

        Map<String, String> metadata = SafetensorsTestFiles.metadata(out.resolve("model.safetensors"));
        assertEquals("mergekit", metadata.get("amalgam.dialect"));
        assertEquals("dare_ties", metadata.get("amalgam.method"));
        assertEquals("3", metadata.get("amalgam.seed"));
        // mergekit's parameters live in the configuration, recorded verbatim
        assertEquals(text, JSON.readTree(metadata.get("amalgam.parameters")).path("config").asText());
        assertSoftware(metadata);
    }

    /** The versions of amalgam, Java, the OS and the linear algebra backend that made the file. */
    private static void assertSoftware(Map<String, String> metadata) throws IOException {
        JsonNode software = JSON.readTree(metadata.get("amalgam.software"));
        assertEquals(Versions.amalgam(), software.path("amalgam").asText(), software.toString());
        assertEquals(Runtime.version().toString(), software.path("java").asText(), software.toString());
        assertEquals(System.getProperty("os.name") + "/" + System.getProperty("os.arch"), software.path("os").asText());
        assertEquals(LinearAlgebra.backend(), software.path("backend").asText());
        assertFalse(software.path("amalgam").asText().isBlank(), software.toString());
    }

    private static void assertFilesMatch(Path model, JsonNode files) throws Exception {
        List<Path> expected = safetensors(model);
        assertEquals(expected.size(), files.size(), model + ": " + files);
        for (int f = 0; f < expected.size(); f++) {
            JsonNode file = files.get(f);
            assertEquals(expected.get(f).getFileName().toString(), file.get("file").asText());
            assertEquals(Files.size(expected.get(f)), file.get("bytes").asLong());
            assertEquals(sha256(expected.get(f)), file.get("sha256").asText(), expected.get(f).toString());
        }
    }

    private static JsonNode recordedInputs(Path shard) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(shard)) {
            Map<String, String> metadata = file.metadata();
            return JSON.readTree(metadata.get("amalgam.inputs"));
        }
    }

    private static List<String> names(JsonNode inputs) {
        List<String> names = new ArrayList<>();
        inputs.forEach(input -> names.add(input.get("name").asText()));
        return names;
    }

    /** The weight files of a model directory in the order a checkpoint lists them. */
    private static List<Path> safetensors(Path model) {
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            return checkpoint.files();
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InspectCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void jsonOutputIsExactlyTheContractObject() throws Exception {
        Path file = temp.resolve("small.safetensors");
        List<TensorEntry> entries = List.of(new TensorEntry("b.weight", DType.BF16, Shape.of(2, 3)),
                new TensorEntry("a.bias", DType.F32, Shape.of(4)), new TensorEntry("c.ids", DType.I64, Shape.of()));
        try (Arena arena = Arena.ofConfined(); SafetensorsWriter writer = SafetensorsWriter.create(file, entries, SafetensorsWriter.NO_METADATA)) {
            for (TensorEntry entry : entries) {
                writer.write(entry.name(), Tensor.allocate(arena, entry.dtype(), entry.shape()));
            }
            writer.commit();
        }
        CliRunner result = CliRunner.run("inspect", file.toString(), "--json");
        assertEquals(0, result.exitCode(), result.err());
        assertEquals("{\"tensors\":[{\"name\":\"a.bias\",\"dtype\":\"F32\",\"shape\":[4]},"
                + "{\"name\":\"b.weight\",\"dtype\":\"BF16\",\"shape\":[2,3]},"
                + "{\"name\":\"c.ids\",\"dtype\":\"I64\",\"shape\":[]}],\"num_tensors\":3,\"num_parameters\":11}",
                result.out().strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"merge-tiny/clip/pretrained", "merge-tiny/clip/sun397_bf16", "merge-tiny/clip/pretrained_sharded",
        "merge-tiny/hfcache/models--fixture--llama-code", "merge-tiny/llama/base/model.safetensors"})
    void fixturesInspectLikeTheirHeadersSay(String relative) throws Exception {
        Path model = Fixtures.path(relative);
        CliRunner result = CliRunner.run("inspect", model.toString(), "--json");
        assertEquals(0, result.exitCode(), result.err());
        JsonNode root = JSON.readTree(result.out());
        assertEquals(List.of("tensors", "num_tensors", "num_parameters"), fieldNames(root));
        List<String> names = new ArrayList<>();
        long parameters = 0;
        for (JsonNode tensor : root.get("tensors")) {
            assertEquals(List.of("name", "dtype", "shape"), fieldNames(tensor));
            names.add(tensor.get("name").asText());
            long count = 1;
            for (JsonNode dim : tensor.get("shape")) {
                count *= dim.asLong();
            }
            parameters += count;
        }
        assertEquals(names.stream().sorted().toList(), names);
        assertEquals(names.size(), root.get("num_tensors").asInt());
        assertEquals(parameters, root.get("num_parameters").asLong());
        assertTrue(names.size() > 0);
        if (relative.contains("bf16")) {
            assertEquals("BF16", root.get("tensors").get(0).get("dtype").asText());
        }
    }

    @Test
    void shardedAndSingleFilePretrainedAgree() {
        Path fixtures = Fixtures.root();
        CliRunner whole = CliRunner.run("inspect", fixtures.resolve("merge-tiny/clip/pretrained").toString(), "--json");
        CliRunner sharded = CliRunner.run("inspect", fixtures.resolve("merge-tiny/clip/pretrained_sharded").toString(), "--json");
        assertEquals(whole.out(), sharded.out());
    }

    @Test
    void tableListsEveryTensorAndTotals() {
        Path model = Fixtures.path("merge-tiny/clip/pretrained");
        CliRunner result = CliRunner.run("inspect", model.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("vision_model.post_layernorm.weight"));
        assertTrue(result.out().matches("(?s).*\\d+ tensors, [\\d,]+ parameters.*"));
    }

    @Test
    void aMissingModelIsExitTwoWithoutStackTrace() {
        CliRunner result = CliRunner.run("inspect", temp.resolve("nope").toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("nope"), result.err());
        assertFalse(result.err().contains("\tat "), result.err());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

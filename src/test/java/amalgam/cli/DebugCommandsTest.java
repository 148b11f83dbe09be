package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.TensorInfo;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parity commands against Hugging Face's outputs in the clip-tiny fixture. Tolerance: |out − exp| ≤ 1e-4 +
 * 1e-4·|exp| (numpy.allclose, as the fixture states; a float32 implementation uses a fraction of it because
 * summation orders differ), and every value finite.
 */
class DebugCommandsTest {
    @TempDir
    Path temp;

    private static Path clipTiny() {
        Path fixture = Fixtures.path("clip-tiny");
        return fixture;
    }

    @Test
    void clipForwardMatchesHuggingFace() {
        Path fixture = clipTiny();
        Path out = temp.resolve("out.safetensors");
        CliRunner result = CliRunner.run("debug", "clip-forward", fixture.toString(), fixture.resolve("inputs.safetensors").toString(), out.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertMatches(fixture.resolve("expected.safetensors"), out);
    }

    @Test
    void clipPreprocessMatchesHuggingFace() throws IOException {
        Path fixture = clipTiny().resolve("preprocess");
        List<String> arguments = new ArrayList<>(List.of("debug", "clip-preprocess",
                fixture.resolve("preprocessor_config.json").toString(), temp.resolve("pixels.safetensors").toString()));
        for (String image : Files.readAllLines(fixture.resolve("images.txt"))) {
            if (!image.isBlank()) {
                arguments.add(fixture.resolve(image.strip()).toString());
            }
        }
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        assertMatches(fixture.resolve("expected.safetensors"), temp.resolve("pixels.safetensors"));
    }

    @Test
    void aMissingKeyAWrongShapeAndAnUnknownActivationAreExitTwoNamingTheKey() throws IOException {
        Path fixture = clipTiny();
        Path model = Files.createDirectories(temp.resolve("model"));
        Files.copy(fixture.resolve("model.safetensors"), model.resolve("model.safetensors"));
        String config = Files.readString(fixture.resolve("config.json"));

        Files.writeString(model.resolve("config.json"), config.replaceFirst("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        assertFailsNaming(model, "text_model.encoder.layers.2");

        Files.writeString(model.resolve("config.json"), config.replaceFirst("\"intermediate_size\": 96", "\"intermediate_size\": 97"));
        assertFailsNaming(model, "mlp.fc1");

        Files.writeString(model.resolve("config.json"), config.replaceFirst("\"hidden_act\": \"quick_gelu\"", "\"hidden_act\": \"swish\""));
        assertFailsNaming(model, "hidden_act");
    }

    private void assertFailsNaming(Path model, String key) {
        Path fixture = clipTiny();
        Path out = temp.resolve("never.safetensors");
        CliRunner result = CliRunner.run("debug", "clip-forward", model.toString(), fixture.resolve("inputs.safetensors").toString(), out.toString());
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains(key), result.err());
        assertFalse(result.err().contains("\tat "), result.err());
        assertFalse(Files.exists(out));
    }

    static void assertMatches(Path expectedFile, Path actualFile) {
        try (Checkpoint expected = Checkpoint.open(expectedFile); Checkpoint actual = Checkpoint.open(actualFile)) {
            for (TensorInfo info : expected.tensors()) {
                Tensor e = expected.tensor(info.name());
                Tensor a = actual.tensor(info.name());
                assertEquals(e.shape(), a.shape(), info.name());
                for (long i = 0; i < e.elementCount(); i++) {
                    float x = a.getFloat(i);
                    float y = e.getFloat(i);
                    assertTrue(Float.isFinite(x), info.name() + "[" + i + "] not finite");
                    assertTrue(Math.abs(x - y) <= 1e-4 + 1e-4 * Math.abs(y), info.name() + "[" + i + "]: " + x + " vs " + y);
                }
            }
        }
    }
}

package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipTokenizer;
import amalgam.model.clip.ClipWeights;
import amalgam.model.clip.LetterTokenizer;
import amalgam.model.clip.ZeroShotHead;
import amalgam.model.clip.ZeroShotTemplates;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.testing.Fixtures;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `heads build` writes exactly the head the library builds, and refuses ambiguous or unusable inputs with exit 2. */
class HeadsCommandTest {
    @TempDir
    Path temp;

    private Path tokenizer() throws IOException {
        return LetterTokenizer.write(temp);
    }

    @Test
    void writesTheHeadTheLibraryBuilds() throws Exception {
        Path clip = Fixtures.path("clip-tiny");
        Path tokenizer = tokenizer();
        Path out = temp.resolve("eurosat.safetensors");
        CliRunner result = CliRunner.run("heads", "build", clip.toString(), "--tokenizer", tokenizer.toString(),
                "--classes", "forest,river,lake or sea", "--templates", "eurosat", "--out", out.toString());
        assertEquals(0, result.exitCode(), result.err());
        ClipConfig config = ClipConfig.read(clip.resolve("config.json"));
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(clip); Parallel parallel = new Parallel(1);
             Graph graph = Graph.inference(parallel)) {
            ZeroShotHead expected = ZeroShotHead.build(new ClipModel(config), ClipWeights.load(checkpoint, config, true, arena),
                    ClipTokenizer.fromDirectory(tokenizer), List.of("forest", "river", "lake or sea"),
                    ZeroShotTemplates.forTask("eurosat"), graph, arena);
            ZeroShotHead written = ZeroShotHead.load(out, arena);
            assertEquals(expected.weight().shape(), written.weight().shape());
            assertArrayEquals(expected.weight().toFloatArray(), written.weight().toFloatArray(), 1e-6f);
            assertEquals(expected.logitScale(), written.logitScale());
        }
        Path classes = Files.writeString(temp.resolve("classes.txt"), "cat\n\ndog\n");
        CliRunner custom = CliRunner.run("heads", "build", clip.toString(), "--tokenizer", tokenizer.toString(),
                "--classes-file", classes.toString(), "--template", "a photo of a {}.", "--template", "a {}.",
                "--out", temp.resolve("pets.safetensors").toString());
        assertEquals(0, custom.exitCode(), custom.err());
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(2, ZeroShotHead.load(temp.resolve("pets.safetensors"), arena).weight().shape().dim(0));
        }
    }

    @Test
    void refusesAmbiguousOrUnusableInputs() throws Exception {
        Path clip = Fixtures.path("clip-tiny");
        Path visionOnly = Fixtures.path("merge-tiny/clip/pretrained");
        String tokenizer = tokenizer().toString();
        String out = temp.resolve("head.safetensors").toString();
        List<String[]> bad = List.of(
                new String[] {"heads", "build", clip.toString(), "--tokenizer", tokenizer, "--templates", "eurosat", "--out", out},
                new String[] {"heads", "build", clip.toString(), "--tokenizer", tokenizer, "--classes", "a", "--out", out},
                new String[] {"heads", "build", clip.toString(), "--tokenizer", tokenizer, "--classes", "a", "--template", "no slot",
                    "--out", out},
                new String[] {"heads", "build", clip.toString(), "--tokenizer", tokenizer, "--classes", "a", "--templates",
                    "nonesuch", "--out", out},
                new String[] {"heads", "build", visionOnly.toString(), "--tokenizer", tokenizer, "--classes", "a", "--templates",
                    "eurosat", "--out", out});
        for (String[] arguments : bad) {
            CliRunner result = CliRunner.run(arguments);
            assertEquals(2, result.exitCode(), String.join(" ", arguments) + "\n" + result.err());
            assertFalse(result.err().contains("Exception"), result.err());
            assertTrue(Files.notExists(Path.of(out)), "nothing written");
        }
    }
}

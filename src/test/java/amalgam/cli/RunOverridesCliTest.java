package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench command lines and pool files: {@code +modelpool.models.X=PATH}, {@code ~modelpool.models.X}, and pool
 * YAML in FusionBench's own format.
 */
class RunOverridesCliTest {
    @TempDir
    Path temp;
    private Path clip;

    @BeforeEach
    void fixtures() {
        clip = Fixtures.mergeTiny().resolve("clip");
    }

    @Test
    void removingAndAddingModelsOnTheCommandLineEqualsEditingThePool() throws IOException {
        Path three = pool("three", "sun397", "svhn", "eurosat");
        Path two = pool("two", "sun397", "svhn");
        Map<String, float[]> edited = run(three, "~modelpool.models.eurosat");
        Map<String, float[]> written = run(two);
        written.forEach((name, values) -> assertArrayEquals(values, edited.get(name), name));

        Map<String, float[]> added = run(two, "+modelpool.models.eurosat=" + clip.resolve("eurosat"));
        Map<String, float[]> full = run(three);
        full.forEach((name, values) -> assertArrayEquals(values, added.get(name), name));
    }

    @Test
    void fusionBenchsOwnPoolFilesRead() throws IOException {
        // as FusionBench ships them: _target_ and processor keys, and the detailed form of an entry
        Path detailed = Files.writeString(temp.resolve("fb.yaml"), "_target_: fusion_bench.modelpool.CLIPVisionModelPool\n"
                + "_recursive_: False\nprocessor: " + clip.resolve("pretrained") + "\nmodels:\n  _pretrained_:\n"
                + "    _target_: transformers.CLIPVisionModel.from_pretrained\n    pretrained_model_name_or_path: "
                + clip.resolve("pretrained") + "\n  sun397: " + clip.resolve("sun397") + "\n  svhn:\n"
                + "    _target_: transformers.CLIPVisionModel.from_pretrained\n    pretrained_model_name_or_path: "
                + clip.resolve("svhn") + "\n");
        Map<String, float[]> fromDetailed = run(detailed);
        // FusionBench's CLIPVisionModelPool reads every model as a CLIPVisionModel: the fused model has no projection
        org.junit.jupiter.api.Assertions.assertFalse(fromDetailed.containsKey("visual_projection.weight"));
        Map<String, float[]> plain = run(pool("plain", "sun397", "svhn"));
        fromDetailed.forEach((name, values) -> assertArrayEquals(plain.get(name), values, name));
    }

    @Test
    void referencesInThePoolFollowAnOverriddenField() throws IOException {
        // FusionBench's *_individual pools name the pretrained model through ${..base_model}
        Path individual = Files.writeString(temp.resolve("individual.yaml"), "base_model: " + clip.resolve("pretrained")
                + "\nmodels:\n  _pretrained_: ${..base_model}\n  sun397: " + clip.resolve("sun397") + "\n  svhn: "
                + clip.resolve("svhn") + "\n");
        Map<String, float[]> viaReference = run(individual);
        run(pool("plain", "sun397", "svhn")).forEach((name, values) -> assertArrayEquals(values, viaReference.get(name), name));

        Map<String, float[]> overridden = run(individual, "modelpool.base_model=" + clip.resolve("eurosat"));
        Path eurosatBase = Files.writeString(temp.resolve("eurosat-base.yaml"), "models:\n  _pretrained_: " + clip.resolve("eurosat")
                + "\n  sun397: " + clip.resolve("sun397") + "\n  svhn: " + clip.resolve("svhn") + "\n");
        run(eurosatBase).forEach((name, values) -> assertArrayEquals(values, overridden.get(name), name));
    }

    @Test
    void frameworkSettingsAreIgnoredWithAWarningAndBadOverridesRefused() throws IOException {
        Path two = pool("two", "sun397", "svhn");
        CliRunner fabric = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + two, "taskpool=dummy",
                "fabric.devices=1", "fabric.loggers.root_dir=outputs");
        assertEquals(0, fabric.exitCode(), fabric.err());
        assertTrue(fabric.err().contains("ignored (no Lightning Fabric here): fabric.devices=1, fabric.loggers.root_dir=outputs"),
                fabric.err());

        CliRunner missing = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + two, "taskpool=dummy", "~modelpool.models.mnist");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("'modelpool.models.mnist'"), missing.err());
        CliRunner dummy = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + two, "taskpool=dummy", "taskpool.batch_size=8");
        assertEquals(2, dummy.exitCode());
        assertTrue(dummy.err().contains("'taskpool.batch_size'"), dummy.err());
    }

    private Map<String, float[]> run(Path pool, String... extra) {
        Path out = temp.resolve("out-" + pool.getFileName() + "-" + extra.length + "-" + (extra.length > 0 ? extra[0].hashCode() : 0));
        String[] arguments = new String[4 + extra.length];
        arguments[0] = "run";
        arguments[1] = "method=task_arithmetic";
        arguments[2] = "modelpool=" + pool;
        arguments[3] = "merged_model_save_path=" + out;
        System.arraycopy(extra, 0, arguments, 4, extra.length);
        CliRunner result = CliRunner.run(arguments);
        assertEquals(0, result.exitCode(), result.err());
        return TestCheckpoints.floats(out);
    }

    private Path pool(String name, String... tasks) throws IOException {
        StringBuilder text = new StringBuilder("models:\n  _pretrained_: " + clip.resolve("pretrained") + "\n");
        for (String task : tasks) {
            text.append("  ").append(task).append(": ").append(clip.resolve(task)).append('\n');
        }
        return Files.writeString(temp.resolve(name + ".yaml"), text.toString());
    }
}

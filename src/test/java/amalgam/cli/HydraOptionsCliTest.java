package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hydra options and keys FusionBench's command lines use, each with FusionBench's meaning or refused with a
 * sentence: {@code -c job}, {@code --info}, {@code +method.x}, {@code ~method.x}, interpolated save paths,
 * {@code report_save_path=false}, {@code merged_model_save_kwargs}, {@code dry_run}.
 */
class HydraOptionsCliTest {
    @TempDir
    Path temp;

    private Path pool() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        return Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained") + "\n  sun397: "
                + clip.resolve("sun397") + "\n  eurosat: " + clip.resolve("eurosat") + "\n");
    }

    @Test
    void printingOptionsPrintAndRunNothing() throws Exception {
        CliRunner cfg = CliRunner.run("run", "-c", "job", "method=ties_merging", "modelpool=" + pool());
        assertEquals(0, cfg.exitCode(), cfg.err());
        assertTrue(cfg.out().contains("threshold: 20") && !cfg.out().contains("model_info"), cfg.out());
        CliRunner info = CliRunner.run("run", "--info", "defaults", "method=iso_c");
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("iso_c"), info.out());
        CliRunner dry = CliRunner.run("run", "dry_run=true", "method=iso_c", "modelpool=" + pool(), "merged_model_save_path=" + temp.resolve("never"));
        assertEquals(0, dry.exitCode(), dry.err());
        assertFalse(Files.exists(temp.resolve("never")), "dry_run writes nothing");
    }

    @Test
    void methodFieldsAreAddedAndDeletedAsHydraDoes() throws Exception {
        // ~method.threshold: the method's own default applies; +method.x for a field the method does not have: refused
        CliRunner deleted = CliRunner.run("run", "method=ties_merging", "~method.threshold", "modelpool=" + pool(),
                "merged_model_save_path=" + temp.resolve("deleted"));
        assertEquals(0, deleted.exitCode(), deleted.err());
        CliRunner added = CliRunner.run("run", "method=ties_merging", "+method.thresholds=3", "modelpool=" + pool());
        assertEquals(2, added.exitCode(), added.err());
        assertTrue(added.err().contains("'thresholds'") && added.err().contains("threshold"), added.err());
    }

    @Test
    void savePathsFollowTheLogDirAndFalseMeansNone() throws Exception {
        Path logDir = temp.resolve("logs");
        CliRunner run = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool(), "path.log_dir=" + logDir,
                "merged_model_save_path=${path.log_dir}/merged_model", "report_save_path=false");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.isRegularFile(logDir.resolve("merged_model/model.safetensors")), "the interpolated path");
        assertFalse(Files.exists(Path.of("false")), "report_save_path=false writes no file named false");
        CliRunner kwargs = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool(),
                "merged_model_save_kwargs={save_tensors: true}", "merged_model_save_path=" + temp.resolve("kw"));
        assertEquals(2, kwargs.exitCode(), kwargs.err());
        assertTrue(kwargs.err().contains("merged_model_save_kwargs"), kwargs.err());
        assertFalse(Files.exists(temp.resolve("kw")), "refused before anything is written");
    }

    @Test
    void saveKwargsThatAmalgamHonoursAreAcceptedAndTheRestRefused() throws Exception {
        Path clip = Fixtures.path("merge-tiny/clip");
        Path pretrained = Files.createDirectories(temp.resolve("pretrained"));
        for (String file : List.of("config.json", "model.safetensors")) {
            Files.copy(clip.resolve("pretrained").resolve(file), pretrained.resolve(file));
        }
        Files.writeString(pretrained.resolve("tokenizer.json"), "{}");
        Path pool = Files.writeString(temp.resolve("tok.yaml"), "models:\n  _pretrained_: " + pretrained + "\n  sun397: "
                + clip.resolve("sun397") + "\n");
        CliRunner kept = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "merged_model_save_path=" + temp.resolve("kept"),
                "merged_model_save_kwargs={safe_serialization: true, push_to_hub: false}");
        assertEquals(0, kept.exitCode(), kept.err());
        assertTrue(Files.isRegularFile(temp.resolve("kept/tokenizer.json")), "the reference's tokenizer is copied by default");
        CliRunner without = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "merged_model_save_path=" + temp.resolve("without"),
                "merged_model_save_kwargs={save_tokenizer: false}");
        assertEquals(0, without.exitCode(), without.err());
        assertTrue(Files.isRegularFile(temp.resolve("without/model.safetensors")));
        assertFalse(Files.exists(temp.resolve("without/tokenizer.json")), "save_tokenizer: false");
        for (String refused : List.of("{push_to_hub: true}", "{safe_serialization: false}", "{save_tokenizer: maybe}", "[1]")) {
            CliRunner run = CliRunner.run("run", "method=task_arithmetic", "modelpool=" + pool, "merged_model_save_path=" + temp.resolve("r"),
                    "merged_model_save_kwargs=" + refused);
            assertEquals(2, run.exitCode(), refused + run.err());
            assertTrue(run.err().contains("merged_model_save_kwargs"), run.err());
            assertFalse(Files.exists(temp.resolve("r")), "refused before anything is written");
        }
    }
}

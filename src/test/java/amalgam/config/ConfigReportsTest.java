package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReportsTest {
    @TempDir
    Path root;
    private ComposedConfig config;

    @BeforeEach
    void compose() {
        ConfigTrees.write(root,
                "main.yaml", "defaults:\n  - method: ta\n  - _self_\nout: ${hydra:job.config_name}/${method.scale}\n",
                "method/ta.yaml", "scale: 0.3\nlist: [1, 2]\n");
        config = ConfigTrees.compose(root, "main", "method.scale=0.5");
    }

    @Test
    void cfgJobPrintsTheConfigWithoutHydra() {
        assertEquals("method:\n  scale: 0.5\n  list:\n  - 1\n  - 2\nout: ${hydra:job.config_name}/${method.scale}\n",
                ConfigReports.cfg(config, HydraCommandLine.Cfg.JOB, false, null));
        assertEquals("method:\n  scale: 0.5\n  list:\n  - 1\n  - 2\nout: main/0.5\n",
                ConfigReports.cfg(config, HydraCommandLine.Cfg.JOB, true, null));
    }

    @Test
    void cfgPackageSelectsASubNode() {
        assertEquals("# @package method\nscale: 0.5\nlist:\n- 1\n- 2\n",
                ConfigReports.cfg(config, HydraCommandLine.Cfg.JOB, false, "method"));
        assertEquals("0.5\n", ConfigReports.cfg(config, HydraCommandLine.Cfg.JOB, false, "method.scale"));
        assertEquals("# @package hydra.job\n", ConfigReports.cfg(config, HydraCommandLine.Cfg.HYDRA, false, "hydra.job")
                .lines().findFirst().orElseThrow() + "\n");
        assertThrows(UserInputException.class, () -> ConfigReports.cfg(config, HydraCommandLine.Cfg.JOB, false, "nope"));
    }

    @Test
    void cfgHydraAndAll() {
        String hydra = ConfigReports.cfg(config, HydraCommandLine.Cfg.HYDRA, true, null);
        assertTrue(hydra.startsWith("hydra:\n  run:\n    dir: outputs/2026-03-04/05-06-07\n"), hydra);
        assertTrue(hydra.contains("    config_name: main\n") && hydra.contains("    - method.scale=0.5\n"), hydra);
        assertFalse(hydra.contains("\n  help:") || hydra.contains("method:\n"), "no help texts, no job config");
        String all = ConfigReports.cfg(config, HydraCommandLine.Cfg.ALL, false, null);
        assertTrue(all.startsWith("hydra:\n") && all.contains("\nmethod:\n  scale: 0.5\n") && all.contains("\n  help:\n"),
                all);
    }

    @Test
    void infoDefaultsAndSearchPath() {
        String defaults = ConfigReports.info(config, HydraCommandLine.Info.DEFAULTS);
        assertTrue(defaults.startsWith("Defaults List\n*************\n| Config path"), defaults);
        assertTrue(defaults.contains("| hydra/output/default ") && defaults.lines().anyMatch(
                line -> line.matches("\\| method/ta +\\| method +\\| False +\\| main +\\|")), defaults);
        assertTrue(defaults.lines().anyMatch(line -> line.matches("\\| main +\\| +\\| True +\\| <root> +\\|")), defaults);
        String path = ConfigReports.info(config, HydraCommandLine.Info.SEARCHPATH);
        assertTrue(path.contains("| hydra ") && path.contains("file://" + root.toAbsolutePath()), path);
        String tree = ConfigReports.info(config, HydraCommandLine.Info.DEFAULTS_TREE);
        assertTrue(tree.contains("<root>:\n  hydra/config:\n") && tree.contains("  main:\n    method: ta\n    _self_\n"),
                tree);
        assertTrue(ConfigReports.info(config, HydraCommandLine.Info.ALL).contains("Installed Hydra Plugins"));
    }

    @Test
    void helpListsTheConfigGroups() {
        String help = ConfigReports.help(config, false);
        assertTrue(help.contains("method: ta") && help.contains("--config-path"), help);
        assertFalse(help.contains("hydra/help"), "app help lists only the app's groups");
    }
}

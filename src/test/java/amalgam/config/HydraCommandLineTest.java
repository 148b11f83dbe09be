package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HydraCommandLineTest {
    @Test
    void flagsAnywhereAndOverridesInOrder() {
        HydraCommandLine line = HydraCommandLine.parse(List.of("--config-path", "/fb/config", "method=ties_merging",
                "--config-name=fabric_model_fusion", "+method.extra=1", "~method.remove_keys", "-cd", "extra", "-m",
                "--cfg", "job", "--resolve", "-p", "method", "--info", "defaults"));
        assertEquals(Path.of("/fb/config"), line.configPath());
        assertEquals("fabric_model_fusion", line.configName());
        assertEquals(List.of(Path.of("extra")), line.configDirectories());
        assertTrue(line.multirun() && line.resolve());
        assertEquals(HydraCommandLine.Cfg.JOB, line.cfg());
        assertEquals("method", line.packageName());
        assertEquals(HydraCommandLine.Info.DEFAULTS, line.info());
        assertEquals(List.of("method=ties_merging", "+method.extra=1", "~method.remove_keys"), line.overrides());
    }

    @Test
    void defaultsAndShortForms() {
        HydraCommandLine line = HydraCommandLine.parse(List.of("-cn", "x", "-c", "hydra", "--info", "a=1", "-h"));
        assertNull(line.configPath());
        assertEquals("x", line.configNameOr("fabric_model_fusion"));
        assertEquals("fabric_model_fusion", HydraCommandLine.parse(List.of()).configNameOr("fabric_model_fusion"));
        assertEquals(HydraCommandLine.Cfg.HYDRA, line.cfg());
        assertEquals(HydraCommandLine.Info.ALL, line.info(), "--info without a topic is --info all");
        assertEquals(List.of("a=1"), line.overrides());
        assertTrue(line.help());
        assertFalse(line.multirun());
        assertEquals(HydraCommandLine.Info.DEFAULTS_TREE, HydraCommandLine.parse(List.of("--info=defaults-tree")).info());
        assertTrue(HydraCommandLine.parse(List.of("--version")).version());
        assertTrue(HydraCommandLine.parse(List.of("--hydra-help")).hydraHelp());
    }

    @Test
    void badFlagsAreUserErrors() {
        String unknown = assertThrows(UserInputException.class, () -> HydraCommandLine.parse(List.of("--bogus")))
                .getMessage();
        assertTrue(unknown.contains("'--bogus'") && unknown.contains("--config-path"), unknown);
        assertThrows(UserInputException.class, () -> HydraCommandLine.parse(List.of("--cfg", "everything")));
        assertThrows(UserInputException.class, () -> HydraCommandLine.parse(List.of("--config-name")));
        assertThrows(UserInputException.class, () -> HydraCommandLine.parse(List.of("--info=nothing")));
        assertThrows(UserInputException.class, () -> HydraCommandLine.parse(List.of("-m=yes")));
        assertThrows(UserInputException.class, () -> HydraCommandLine.parse(List.of("--shell-completion")));
    }

    @Test
    void sweepsAreCheckedAgainstMultirun() {
        assertThrows(UserInputException.class, () -> HydraCommandLine.parse(List.of("a=1,2")).parsedOverrides());
        assertEquals(2, Sweep.expand(HydraCommandLine.parse(List.of("-m", "a=1,2")).parsedOverrides()).size());
    }

    @Test
    void searchPathOrderIsHydraThenMainThenConfigDirs() {
        Path cwd = Path.of(System.getProperty("java.io.tmpdir"));
        ConfigSearchPath path = HydraCommandLine.parse(List.of("-cp", ".", "-cd", ".")).searchPath(cwd);
        assertEquals(List.of("hydra", "main", "command-line"), path.roots().stream().map(ConfigSearchPath.Root::provider)
                .distinct().toList());
        assertEquals("pkg://" + ConfigSearchPath.HYDRA_CONFIG, path.roots().getFirst().location());
        assertEquals("pkg://" + ConfigSearchPath.AMALGAM_CONFIG,
                HydraCommandLine.parse(List.of()).searchPath(cwd).roots().getLast().location());
    }
}

package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSearchPathTest {
    @TempDir
    Path first;
    @TempDir
    Path second;

    @Test
    void theFirstRootWithTheFileWinsAndOptionsAreTheUnion() {
        ConfigTrees.write(first, "method/a.yaml", "from: first\n", "method/sub/deep.yaml", "x: 1\n");
        ConfigTrees.write(second, "method/a.yaml", "from: second\n", "method/b.yaml", "from: second\n");
        ConfigSearchPath path = ConfigSearchPath.of(List.of(ConfigSearchPath.directory("main", first),
                ConfigSearchPath.directory("command-line", second)));
        assertTrue(path.find("method/a").orElseThrow().text().contains("first"));
        assertTrue(path.find("method/b").orElseThrow().text().contains("second"));
        assertTrue(path.find("method/sub/deep").isPresent());
        assertFalse(path.find("method/c").isPresent());
        assertEquals(List.of("a", "b"), path.options("method"));
        assertEquals(List.of("deep"), path.options("method/sub"));
        assertEquals(List.of("sub"), path.groups("method"));
        assertTrue(path.isGroup("method") && path.isGroup("method/sub") && !path.isGroup("nope"));
    }

    @Test
    void pathsThatLeaveTheirRootAreRefused() {
        ConfigSearchPath path = ConfigSearchPath.of(List.of(ConfigSearchPath.directory("main", first)));
        for (String bad : List.of("../x", "a/../../x", "a//b", "/etc/passwd", "a/./b")) {
            assertThrows(UserInputException.class, () -> path.find(bad), bad);
        }
        assertThrows(UserInputException.class, () -> ConfigSearchPath.directory("main", first.resolve("absent")));
    }

    @Test
    void amalgamsOwnTreeComposes() throws java.io.IOException {
        // the method group is written from the method registry at run time; a one-option stand-in here
        java.nio.file.Files.createDirectories(first.resolve("method"));
        java.nio.file.Files.writeString(first.resolve("method/task_arithmetic.yaml"), "scaling_factor: 0.3\n");
        java.util.List<ConfigSearchPath.Root> roots = new java.util.ArrayList<>(ConfigSearchPath.standard(null, List.of()).roots());
        roots.add(ConfigSearchPath.directory("methods", first));
        ComposedConfig config = Composer.compose(ConfigSearchPath.of(roots), "amalgam_fusion", List.of(),
                ConfigTrees.runtime(Map.of()));
        assertEquals(Map.of("builtin", "mini8"), config.job().get("modelpool"));
        assertEquals("task_arithmetic", config.choices().get("method"));
        assertEquals("./outputs/amalgam_fusion/2026-03-04_05-06-07", config.select("path.log_dir"));
        assertEquals("outputs/2026-03-04/05-06-07", config.select("hydra.run.dir"), "Hydra's default output layout");
    }
}

package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepFileTest {
    @TempDir
    Path temp;

    private Path file(String yaml) throws Exception {
        return Files.writeString(temp.resolve("sweep.yaml"), yaml);
    }

    @Test
    void listsAreAxesScalarsAreFixedAndStringsStayText() throws Exception {
        List<String> overrides = SweepFile.overrides(file("""
                method: ties_merging
                method.scaling_factor: [0.1, 0.25, 1.0e-5]
                method.threshold: [10, 20]
                seed: [7]
                +note: "a, b [c]"
                method.weights: [[0.3, 0.7], [0.5, 0.5]]
                method.remove_keys: []
                """.replace("method.remove_keys: []\n", "")));
        assertEquals(List.of("method='ties_merging'", "method.scaling_factor=0.1,0.25,0.00001", "method.threshold=10,20", "seed=7",
                "+note='a, b [c]'", "method.weights=[0.3,0.7],[0.5,0.5]"), overrides);
        // the jobs are the product of the axes, as -m gives them
        List<HydraOverride> parsed = overrides.stream().map(HydraOverride::parse).toList();
        assertEquals(3 * 2 * 2, Sweep.expand(parsed).size());
    }

    @Test
    void quotedStringsReadBackAsTheyWere() {
        for (String text : List.of("it's", "back\\slash", "ends with \\", "\\'both", "plain, [text]")) {
            HydraOverride parsed = HydraOverride.parse("name=" + SweepFile.quoted(text));
            assertEquals(text, parsed.element(), SweepFile.quoted(text));
        }
    }

    @Test
    void badFilesAreRefusedNamingTheProblem() throws Exception {
        assertTrue(assertThrows(UserInputException.class, () -> SweepFile.overrides(file("- a\n- b\n"))).getMessage().contains("mapping"));
        assertTrue(assertThrows(UserInputException.class, () -> SweepFile.overrides(file("method.x: []\n"))).getMessage()
                .contains("no values"));
        assertTrue(assertThrows(UserInputException.class, () -> SweepFile.overrides(file("'a b': 1\n"))).getMessage()
                .contains("not an override key"));
        assertTrue(assertThrows(UserInputException.class, () -> SweepFile.overrides(file("x: .nan\n"))).getMessage().contains("finite"));
        assertThrows(UserInputException.class, () -> SweepFile.overrides(temp.resolve("missing.yaml")));
    }
}

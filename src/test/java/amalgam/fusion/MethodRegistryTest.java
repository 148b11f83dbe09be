package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.fusion.param.MethodParameters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MethodRegistryTest {
    @Test
    void resolvesConfigNamesAliasesAndUniqueLastSegments() {
        assertEquals("task_arithmetic", MethodRegistry.resolve("task_arithmetic").configName());
        assertEquals("linear/weighted_average", MethodRegistry.resolve("weighted_average").configName());
        assertEquals("magmax/magmax", MethodRegistry.resolve("magmax").configName());
        assertEquals("dare/ties_merging", MethodRegistry.resolve("dare/ties_merging").configName());
        assertEquals("ties_merging", MethodRegistry.resolve("ties_merging").configName());
    }

    @Test
    void unknownMethodListsValidOnes() {
        var error = assertThrows(UserInputException.class, () -> MethodRegistry.resolve("tiesmerging"));
        assertTrue(error.getMessage().contains("'tiesmerging'") && error.getMessage().contains("ties_merging"), error.getMessage());
    }

    @Test
    void unknownParameterListsValidOnes() {
        var error = assertThrows(UserInputException.class,
                () -> MethodRegistry.fromOverrides(Map.of("method", "ties_merging", "method.treshold", "20")));
        assertTrue(error.getMessage().contains("'treshold'") && error.getMessage().contains("threshold, remove_keys"),
                error.getMessage());
    }

    @Test
    void valuesAreParsedAsYamlAndTypeChecked() {
        var declaration = MethodRegistry.resolve("ties_merging");
        MethodParameters parameters = MethodParameters.resolve("ties_merging", declaration.parameters(),
                Map.of("scaling_factor", "0.7", "remove_keys", "[x, y]", "threshold", "10"));
        assertEquals(0.7, parameters.getDouble("scaling_factor"));
        assertEquals(10.0, parameters.getDouble("threshold"));
        assertEquals(List.of("x", "y"), parameters.getStrings("remove_keys"));
        assertEquals("sum", parameters.getString("merge_func"));
        var error = assertThrows(UserInputException.class, () -> MethodParameters.resolve("ties_merging",
                declaration.parameters(), Map.of("scaling_factor", "abc")));
        assertTrue(error.getMessage().contains("scaling_factor") && error.getMessage().contains("number"), error.getMessage());
        assertThrows(UserInputException.class, () -> MethodParameters.resolve("ties_merging", declaration.parameters(),
                Map.of("scaling_factor", "null")));
    }

    @Test
    void fromOverridesIgnoresOtherGroupsAndDefaultsToTaskArithmetic() {
        var algorithm = MethodRegistry.fromOverrides(Map.of("modelpool", "x.yaml", "seed", "3"));
        assertTrue(algorithm instanceof amalgam.fusion.method.TaskArithmetic);
    }

    @Test
    void everyBuiltInHasUniqueNamesAndBuildsWithDefaults() {
        var names = new java.util.HashSet<String>();
        for (MethodDeclaration declaration : MethodRegistry.builtIns()) {
            assertTrue(names.add(declaration.configName()), declaration.configName());
            for (String alias : declaration.aliases()) {
                assertTrue(names.add(alias), alias);
            }
            var algorithm = MethodRegistry.create(declaration.configName(), Map.of());
            assertTrue(algorithm != null, declaration.configName());
        }
    }
}

package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupOverridesTest {
    private static Map<String, Object> pool() {
        Map<String, Object> models = new LinkedHashMap<>();
        models.put("_pretrained_", "base");
        models.put("a", "path/a");
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("models", models);
        document.put("batch_size", 64);
        return document;
    }

    private static Map<String, Object> arguments(Object... keysAndValues) {
        Map<String, Object> arguments = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            arguments.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return arguments;
    }

    @Test
    void setAddAndRemoveFieldsInOrder() {
        Map<String, Object> original = pool();
        Map<String, Object> changed = GroupOverrides.apply(original, "modelpool", arguments(
                "modelpool.models.a", "other/a", "+modelpool.models.b", "path/b", "~modelpool.models._pretrained_", null,
                "modelpool.extra.deep.value", 3, "taskpool.batch_size", 8, "method.scaling_factor", 0.3));
        assertEquals(Map.of("a", "other/a", "b", "path/b"), changed.get("models"));
        assertEquals(List.of("a", "b"), List.copyOf(((Map<?, ?>) changed.get("models")).keySet()));
        assertEquals(Map.of("deep", Map.of("value", 3)), changed.get("extra"));
        assertEquals(64, changed.get("batch_size"), "another group's override does not apply");
        assertEquals(pool(), original, "the document itself is unchanged");
    }

    @Test
    void badOverridesNameTheKey() {
        UserInputException missing = assertThrows(UserInputException.class,
                () -> GroupOverrides.apply(pool(), "modelpool", arguments("~modelpool.models.nope", null)));
        assertTrue(missing.getMessage().contains("~modelpool.models.nope"), missing.getMessage());
        assertThrows(UserInputException.class,
                () -> GroupOverrides.apply(pool(), "modelpool", arguments("modelpool.batch_size.x", 1)));
        assertThrows(UserInputException.class, () -> GroupOverrides.apply(pool(), "modelpool", arguments("modelpool..x", 1)));
    }

    @Test
    void recognisesOverridesOfItsGroupOnly() {
        assertTrue(GroupOverrides.isOverride("modelpool.models.a", "modelpool"));
        assertTrue(GroupOverrides.isOverride("+modelpool.models.a", "modelpool"));
        assertTrue(GroupOverrides.isOverride("++modelpool.models.a", "modelpool"));
        assertTrue(GroupOverrides.isOverride("~modelpool.models.a", "modelpool"));
        assertFalse(GroupOverrides.isOverride("modelpool", "modelpool"));
        assertFalse(GroupOverrides.isOverride("modelpools.x", "modelpool"));
        assertFalse(GroupOverrides.isOverride("taskpool.x", "modelpool"));
    }
}

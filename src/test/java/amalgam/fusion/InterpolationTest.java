package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class InterpolationTest {
    private static Map<String, Object> yaml(String text) {
        return new Yaml().load(text);
    }

    @Test
    void relativeAndAbsoluteReferencesAsOmegaConfReadsThem() {
        // FusionBench's *_individual pools: the pretrained model is the group's base_model
        Map<String, Object> resolved = Interpolation.resolve(yaml("""
                base_model: openai/clip-vit-base-patch32
                models:
                  _pretrained_: ${..base_model}
                  copy: ${._pretrained_}
                  named: ${modelpool.base_model}
                processor: ${.base_model}
                note: "from ${base_model} at ${dirs.data}/x"
                dirs:
                  data: /data
                list: ["${base_model}", 3]
                """), "modelpool");
        Map<?, ?> models = (Map<?, ?>) resolved.get("models");
        assertEquals("openai/clip-vit-base-patch32", models.get("_pretrained_"));
        assertEquals("openai/clip-vit-base-patch32", models.get("copy"));
        assertEquals("openai/clip-vit-base-patch32", models.get("named"));
        assertEquals("openai/clip-vit-base-patch32", resolved.get("processor"));
        assertEquals("from openai/clip-vit-base-patch32 at /data/x", resolved.get("note"));
        assertEquals(List.of("openai/clip-vit-base-patch32", 3), resolved.get("list"));
    }

    @Test
    void aWholeReferenceKeepsTheReferencedValue() {
        Map<String, Object> resolved = Interpolation.resolve(yaml("size: 32\nbatch: ${.size}\nmodels: ${.tree}\ntree: {a: x}\n"), "taskpool");
        assertEquals(32, resolved.get("batch"));
        assertEquals(Map.of("a", "x"), resolved.get("models"));
    }

    @Test
    void missingFieldsCyclesAndResolversAreErrors() {
        assertMessage("a: ${.missing}\n", "names no field");
        assertMessage("a: ${.b}\nb: ${.a}\n", "cycle");
        assertMessage("a: ${oc.env:HOME}\n", "not supported");
        assertMessage("a: ${...up}\n", "above the top");
        Map<String, Object> plain = new LinkedHashMap<>(Map.of("a", "no references"));
        assertEquals(plain, Interpolation.resolve(plain, "modelpool"));
    }

    private static void assertMessage(String text, String fragment) {
        UserInputException error = assertThrows(UserInputException.class, () -> Interpolation.resolve(yaml(text), "modelpool"));
        assertTrue(error.getMessage().contains(fragment), error.getMessage());
    }
}

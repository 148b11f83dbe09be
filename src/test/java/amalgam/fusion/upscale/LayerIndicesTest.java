package amalgam.fusion.upscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code layer_indices} entries: Python's range() values, Python list indexing, and nothing else evaluated. */
class LayerIndicesTest {
    @Test
    void rangesHavePythonsValues() {
        assertEquals(List.of(0L, 1L, 2L), values("range(3)"));
        assertEquals(List.of(6L, 7L, 8L), values("range(6,9)"));
        assertEquals(List.of(1L, 3L), values("range(1,5,2)"));
        assertEquals(List.of(1L, 3L, 5L), values("range(1,6,2)"));
        assertEquals(List.of(5L, 3L, 1L), values("range(5,0,-2)"));
        assertEquals(List.of(-3L, -2L), values("range(-3,-1)"));
        assertEquals(List.of(), values("range(0)"));
        assertEquals(List.of(), values("range(4,2)"));
        assertEquals(List.of(), values("range(2,4,-1)"));
        assertEquals(List.of(2L, 3L), values("  range ( +2 ,  4 )  "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"range()", "range(1,2,0)", "range(1,2,3,4)", "range(1.0)", "range(0x2)", "range(1_0)", "range(a)",
        "range(1)+range(2)", "range(1)(2)", "rangee(1)", "list(range(3))", "[0, 1]", "3", "eval('1')", "range(1,)",
        "range(99999999999999999999)", ""})
    void anythingElseIsRefused(String text) {
        assertThrows(IllegalArgumentException.class, () -> RangeExpression.parse(text));
        UserInputException refused = assertThrows(UserInputException.class, () -> LayerIndices.parse(List.of(0L, text), "m"));
        assertEquals(true, refused.getMessage().contains("'" + text + "'"), refused.getMessage());
    }

    @Test
    void entriesResolveInOrderWithPythonIndexing() {
        LayerIndices indices = LayerIndices.parse(List.of(0L, 1L, "range(0,2)", 1L, -1L, "range(-2, 0)"), "m");
        assertEquals(List.of(0, 1, 0, 1, 1, 3, 2, 3), indices.resolve(4, "model", "m"));
    }

    @Test
    void indicesOutsideTheLayerListAreRefused() {
        for (Object entry : List.of(4L, -5L, "range(0,5)", "range(-5,0)", "range(3,-6,-1)")) {
            LayerIndices indices = LayerIndices.parse(List.of(entry), "m");
            UserInputException refused = assertThrows(UserInputException.class, () -> indices.resolve(4, "model", "m"));
            assertEquals(true, refused.getMessage().contains("'" + entry + "'") && refused.getMessage().contains("4 layers"),
                    refused.getMessage());
        }
        assertThrows(UserInputException.class, () -> LayerIndices.parse(List.of("range(2,2)"), "m").resolve(4, "model", "m"));
    }

    private static List<Long> values(String text) {
        RangeExpression range = RangeExpression.parse(text);
        List<Long> values = new ArrayList<>();
        for (long i = 0; i < range.length(); i++) {
            values.add(range.get(i));
        }
        return values;
    }
}

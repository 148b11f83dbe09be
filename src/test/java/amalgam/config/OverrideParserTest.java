package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OverrideParserTest {
    private static Object value(String argument) {
        return HydraOverride.parse(argument).element();
    }

    @Test
    void primitivesAreTypedOnlyWhenTheWholeValueIsOneToken() {
        assertEquals(1, value("a=1"));
        assertEquals(-20, value("a=-20"));
        assertEquals(1_000_000, value("a=1_000_000"));
        assertEquals(0.001, value("method.lr=1e-3"));
        assertEquals(3.14, value("a=3.14"));
        assertEquals(Double.POSITIVE_INFINITY, value("a=inf"));
        assertTrue(Double.isNaN((Double) value("a=nan")));
        assertEquals(true, value("fast_dev_run=true"));
        assertEquals(false, value("a=False"));
        assertNull(value("a=null"));
        assertEquals("1abc", value("a=1abc"));
        assertEquals("true_x", value("a=true_x"));
        assertEquals("adamerging/clip", value("method=adamerging/clip"));
        assertEquals("a b", value("a=a b  "), "inner spaces stay, outer ones go");
        assertEquals("", value("a="));
    }

    @Test
    void quotedStringsStayStringsAndUnescapeTheirQuote() {
        assertEquals("1", value("a='1'"));
        assertEquals("a,b", value("a=\"a,b\""));
        assertEquals("it's", value("a='it\\'s'"));
        assertEquals("C:\\dir\\", value("a='C:\\dir\\\\'"));
    }

    @Test
    void interpolationsAndColonsStayText() {
        assertEquals("${path.log_dir}/x", value("a=${path.log_dir}/x"));
        assertEquals("${oc.env:HOME,${a.b}}", value("a=${oc.env:HOME,${a.b}}"));
        assertEquals("http://host:8080/x", value("url=http://host:8080/x"));
        assertEquals("a,b", value("a=a\\,b"), "an escaped comma is not a sweep");
    }

    @Test
    void listsAndDictsNest() {
        assertEquals(List.of(1, "b", List.of(2.5, true)), value("a=[1, b, [2.5, true]]"));
        assertEquals(List.of(), value("a=[]"));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("save_tensors", true);
        expected.put("name", "x y");
        assertEquals(expected, value("merged_model_save_kwargs={save_tensors: true, name: 'x y'}"));
        assertEquals(Map.of(), value("a={}"));
    }

    @Test
    void prefixesKeysAndPackages() {
        HydraOverride add = HydraOverride.parse("+method.extra=1");
        assertEquals(HydraOverride.Type.ADD, add.type());
        assertEquals("method.extra", add.key());
        assertEquals(HydraOverride.Type.FORCE_ADD, HydraOverride.parse("++a=1").type());
        HydraOverride delete = HydraOverride.parse("~method.remove_keys");
        assertEquals(HydraOverride.Type.DELETE, delete.type());
        assertNull(delete.value());
        assertEquals("x", HydraOverride.parse("~a=x").element());
        HydraOverride grouped = HydraOverride.parse("db@backup=mysql");
        assertEquals("db", grouped.key());
        assertEquals("backup", grouped.packageName());
        assertEquals("hydra/launcher", HydraOverride.parse("hydra/launcher=basic").key());
        assertEquals("models.stanford-cars", HydraOverride.parse("models.stanford-cars=x").key());
        assertEquals("a.0", HydraOverride.parse("a.0=x").key());
    }

    @Test
    void sweepsAreRecognised() {
        assertEquals(new OverrideValue.ChoiceSweep(List.of(1, 2, 3), true), HydraOverride.parse("a=1,2,3").value());
        assertEquals(new OverrideValue.ChoiceSweep(List.of(List.of(1, 2), "x"), true),
                HydraOverride.parse("a=[1,2],x").value());
        assertEquals(new OverrideValue.ChoiceSweep(List.of("a", "b"), false), HydraOverride.parse("m=choice(a, b)").value());
        assertEquals(List.of(1, 2, 3, 4), HydraOverride.parse("a=range(1,5)").value().values());
        assertEquals(List.of(0, 1, 2), HydraOverride.parse("a=range(3)").value().values());
        assertEquals(List.of(0.0, 0.25, 0.5, 0.75), HydraOverride.parse("a=range(0, 1, 0.25)").value().values());
        assertEquals(List.of(5, 3), HydraOverride.parse("a=range(start=5, stop=1, step=-2)").value().values());
    }

    @Test
    void malformedOverridesNameTheArgument() {
        for (String bad : Arrays.asList("noequals", "a=[1,2", "a={x 1}", "a='open", "a=glob(*)", "a..b=1", "a=b=c",
                "a=[choice(1,2)]", "a=${x")) {
            UserInputException error = assertThrows(UserInputException.class, () -> HydraOverride.parse(bad), bad);
            assertTrue(error.getMessage().contains(bad.split("=")[0]), error.getMessage());
        }
    }
}

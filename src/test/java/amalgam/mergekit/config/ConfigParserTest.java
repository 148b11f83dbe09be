package amalgam.mergekit.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import org.junit.jupiter.api.Test;

/** Parsing (C25), gradients (C1), filters (C3) and bad configs. */
class ConfigParserTest {
    private static final String HEAD = "merge_method: linear\nmodels:\n  - model: a\n    parameters:\n";

    private static double scalar(String yamlValue, String name) {
        MergeConfig config = ConfigParser.parse(HEAD + "      " + name + ": " + yamlValue + "\n");
        return config.models().getFirst().parameters().get(name).evaluate("x", 0).getAsDouble();
    }

    @Test
    void c25Yaml11ScalarsAndCoercion() {
        assertEquals(1.0, scalar("yes", "normalize"));
        assertEquals(0.0, scalar("off", "normalize"));
        assertEquals(0.00001, scalar("1e-5", "tol"));
        assertEquals(0.5, scalar("\"0.5\"", "weight"));
        assertThrows(UserInputException.class, () -> scalar("abc", "weight"));
        assertThrows(UserInputException.class, () -> scalar("null", "weight"));
        assertThrows(UserInputException.class, () -> scalar("[{filter: mlp, value: 0.3}, 0.5]", "weight"));
    }

    @Test
    void c25UnknownKeysAreIgnoredWithAWarningOrRejectedWhenStrict() {
        String text = "merge_method: linear\nembed_slerp: true\nmodels:\n  - model: a\n";
        MergeConfig config = ConfigParser.parse(text);
        assertTrue(config.warnings().getFirst().contains("embed_slerp"));
        UserInputException error = assertThrows(UserInputException.class, () -> ConfigParser.strict(text));
        assertTrue(error.getMessage().contains("embed_slerp"));
        UserInputException nested = assertThrows(UserInputException.class,
                () -> ConfigParser.strict("merge_method: linear\nmodels:\n  - model: a\n    weight: 1\n"));
        assertTrue(nested.getMessage().contains("models[0].weight"));
    }

    @Test
    void c1GradientInterpolation() {
        ParameterSetting gradient = new ParameterSetting.Gradient(new double[] {0, 0.5, 0.3, 0.7, 1});
        double[] expected = {0, 0.285714, 0.471429, 0.357143, 0.414286, 0.642857, 0.828571, 1};
        for (int k = 0; k < 8; k++) {
            assertEquals(expected[k], gradient.evaluate("x", k / 7.0).getAsDouble(), 1e-6);
        }
        assertEquals(0.4948717948717949, gradient.evaluate("x", 10 / 39.0).getAsDouble(), 0);
        assertEquals(0.32051282051282043, gradient.evaluate("x", 20 / 39.0).getAsDouble(), 0);
        assertEquals(1.0, gradient.evaluate("x", 1.0).getAsDouble(), 0);
        ParameterSetting three = new ParameterSetting.Gradient(new double[] {1, 0.7, 0.1});
        double[] five = {1, 0.85, 0.7, 0.39999999999999997, 0.1};
        for (int k = 0; k < 5; k++) {
            assertEquals(five[k], three.evaluate("x", k / 4.0).getAsDouble(), 1e-15);
        }
    }

    @Test
    void c3Filters() {
        MergeConfig config = ConfigParser.parse("""
                merge_method: slerp
                base_model: a
                models: [{model: a}, {model: b}]
                parameters:
                  t:
                    - filter: self_attn
                      value: [0, 0.5, 0.3, 0.7, 1]
                    - filter: mlp
                      value: [1, 0.5, 0.7, 0.3, 0]
                    - value: 0.5
                  other:
                    - filter: layers.1
                      value: 9
                    - value: 0
                """);
        ParameterSetting t = config.parameters().get("t");
        double position = 10 / 39.0;
        assertEquals(0.494872, t.evaluate("model.layers.10.self_attn.q_proj.weight", position).getAsDouble(), 1e-6);
        assertEquals(0.505128, t.evaluate("model.layers.10.mlp.up_proj.weight", position).getAsDouble(), 1e-6);
        assertEquals(0.5, t.evaluate("model.layers.10.input_layernorm.weight", position).getAsDouble());
        assertEquals(0.5, t.evaluate("lm_head.weight", 0).getAsDouble());
        ParameterSetting other = config.parameters().get("other");
        assertEquals(9, other.evaluate("model.layers.1.mlp.weight", 0).getAsDouble());
        assertEquals(9, other.evaluate("model.layers.14.mlp.weight", 0).getAsDouble());
        assertEquals(0, other.evaluate("model.layers.2.mlp.weight", 0).getAsDouble());
    }

    @Test
    void c3BareConditionalParsesButFailsWhenEvaluated() {
        MergeConfig config = ConfigParser.parse("merge_method: slerp\nmodels: [{model: a}]\nparameters:\n  t: {filter: mlp, value: 0.3}\n");
        ParameterSetting t = config.parameters().get("t");
        assertInstanceOf(ParameterSetting.BareConditional.class, t);
        assertThrows(UserInputException.class, () -> t.evaluate("model.layers.0.mlp.up_proj.weight", 0));
    }

    @Test
    void conditionalWithoutMatchFallsThrough() {
        ParameterSetting setting = new ParameterSetting.ConditionalList(
                java.util.List.of(new ParameterSetting.Conditional("mlp", new ParameterSetting.Scalar(1))));
        assertTrue(setting.evaluate("self_attn", 0).isEmpty());
    }

    @Test
    void slicesAndModelReferences() {
        MergeConfig config = ConfigParser.parse("""
                merge_method: passthrough
                dtype: bfloat16
                slices:
                  - sources:
                      - model: org/a@rev
                        layer_range: [0, 24]
                  - sources:
                      - model: b
                        layer_range: [20, 40]
                    parameters: {scale: 0.5}
                """);
        assertEquals(2, config.slices().size());
        assertEquals("org/a", config.slices().getFirst().sources().getFirst().model().path());
        assertEquals("rev", config.slices().getFirst().sources().getFirst().model().revision());
        assertEquals(20, config.slices().get(1).layerCount());
        assertEquals("bfloat16", config.dtype());
        assertNull(config.baseModel());
        assertTrue(config.models().isEmpty());
    }

    @Test
    void badConfigsAreUserErrors() {
        assertThrows(UserInputException.class, () -> ConfigParser.parse("models: [{model: a}]\n"));
        assertThrows(UserInputException.class, () -> ConfigParser.parse("merge_method: linear\n"));
        assertThrows(UserInputException.class, () -> ConfigParser.parse(
                "merge_method: linear\nmodels: [{model: a}]\nslices: [{sources: [{model: a, layer_range: [0, 1]}]}]\n"));
        for (String range : new String[] {"[4, 2]", "[-1, 2]", "[0]", "[0, x]", "3"}) {
            UserInputException error = assertThrows(UserInputException.class, () -> ConfigParser.parse(
                    "merge_method: passthrough\nslices: [{sources: [{model: a, layer_range: " + range + "}]}]\n"));
            assertTrue(error.getMessage().contains("layer_range"), error.getMessage());
        }
        assertThrows(UserInputException.class, () -> ConfigParser.parse(
                "merge_method: linear\nslices: [{sources: [{model: a, layer_range: [0, 2]}, {model: b, layer_range: [0, 3]}]}]\n"));
        assertThrows(UserInputException.class, () -> ConfigParser.parse("merge_method: linear\nmodels: [{model: a+b+c}]\n"));
        assertThrows(UserInputException.class, () -> ConfigParser.parse("merge_method: [linear\n"));
        assertThrows(UserInputException.class, () -> ConfigParser.parse(
                "merge_method: linear\ntokenizer_source: base\ntokenizer: {source: union}\nmodels: [{model: a}]\n"));
    }
}

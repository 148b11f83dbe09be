package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.MethodRegistry;
import amalgam.fusion.param.ParameterSpec;
import amalgam.mergekit.method.MergeMethod;
import amalgam.param.Domain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every declared parameter of every method of both dialects has a domain, and a value just outside it (for an
 * unbounded one: infinity) is refused with exit 2 naming method, parameter, value and domain, before any tensor
 * is read: the models given do not exist, so a run that got as far as reading them would fail differently.
 */
class ParameterDomainCliTest {
    @TempDir
    Path temp;
    private Path out;

    @BeforeEach
    void setUp() {
        out = temp.resolve("out");
    }

    static Stream<Arguments> fusionBenchParameters() {
        List<Arguments> all = new ArrayList<>();
        for (MethodDeclaration method : MethodRegistry.builtIns()) {
            for (ParameterSpec parameter : method.parameters()) {
                // free-form strings (names, paths) have no value outside their domain to try
                if (parameter.domain() != null || outsideTypedValue(parameter) != null) {
                    all.add(Arguments.of(method.configName(), parameter.name()));
                }
            }
        }
        return all.stream();
    }

    static Stream<Arguments> mergekitParameters() {
        List<Arguments> all = new ArrayList<>();
        for (String name : amalgam.mergekit.method.MergekitMethods.names()) {
            MergeMethod method = amalgam.mergekit.method.MergekitMethods.get(name);
            method.globalParameters().forEach(p -> all.add(Arguments.of(name, p.name(), true)));
            method.tensorParameters().forEach(p -> all.add(Arguments.of(name, p.name(), false)));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}.{1}")
    @MethodSource("fusionBenchParameters")
    void fusionBenchValueJustOutsideTheDomainExits2(String methodName, String parameterName) throws IOException {
        ParameterSpec parameter = MethodRegistry.resolve(methodName).parameters().stream()
                .filter(p -> p.name().equals(parameterName)).findFirst().orElseThrow();
        if (parameter.domain() == null) {
            // booleans and strings: their type is their domain; a number is outside it for booleans, and
            // merge_func names one of three aggregations
            assertFalse(parameter.type().isNumeric(), parameterName + " is numeric but has no domain");
            String outside = outsideTypedValue(parameter);
            // a wrapped method's own check names it and the parameter without the base_method. prefix
            assertRefused(run(methodName, parameterName, outside), parameterName.substring(parameterName.lastIndexOf('.') + 1));
            return;
        }
        Domain domain = parameter.domain();
        double outside = domain.justOutside();
        String text = Double.isInfinite(outside) ? ".inf" : Domain.format(outside);
        if (parameter.type() == amalgam.fusion.param.ParameterType.FLOAT_LIST) {
            text = "[0.5, " + text + "]";
        }
        assertRefused(run(methodName, parameterName, text), "method '" + methodName, "'" + parameterName + "'",
                "outside its domain " + domain);
    }

    /** A value of the wrong kind for a parameter without a numeric domain, or null for a free-form string. */
    private static String outsideTypedValue(ParameterSpec parameter) {
        return switch (parameter.type()) {
            case BOOL -> "2";
            case STRING -> parameter.name().endsWith("merge_func") ? "median" : null;
            default -> null;
        };
    }

    @ParameterizedTest(name = "{0}.{1}")
    @MethodSource("mergekitParameters")
    void mergekitValueJustOutsideTheDomainExits2(String methodName, String parameterName, boolean global) throws IOException {
        MergeMethod method = amalgam.mergekit.method.MergekitMethods.get(methodName);
        Domain domain = Stream.concat(method.globalParameters().stream(), method.tensorParameters().stream())
                .filter(p -> p.name().equals(parameterName)).findFirst().orElseThrow().domain();
        assertNotNull(domain, methodName + "." + parameterName + " has a domain");
        double outside = domain.justOutside();
        String value = Double.isInfinite(outside) ? ".inf" : Double.toString(outside);
        String setting = parameterName + ": " + value;
        String text = "merge_method: " + methodName + "\nbase_model: " + temp.resolve("no-base") + "\n"
                + (global ? "parameters:\n  " + setting + "\n" : "")
                + "models:\n  - model: " + temp.resolve("no-model") + "\n    parameters:\n      weight: 0.5\n"
                + (global ? "" : "      " + setting + "\n");
        Path config = Files.writeString(temp.resolve("config.yml"), text);
        assertRefused(List.of("merge", config.toString(), out.toString()), "merge_method " + methodName,
                "'" + parameterName + "'", "outside its domain " + domain);
    }

    @Test
    void mergekitChecksEveryGradientPointAndConditionalValue() throws IOException {
        String base = "merge_method: ties\nbase_model: " + temp.resolve("no-base") + "\nmodels:\n  - model: "
                + temp.resolve("no-model") + "\n    parameters:\n      weight: 0.5\n";
        Path gradient = Files.writeString(temp.resolve("gradient.yml"), base + "      density: [0.2, 1.0, 1.5]\n");
        assertRefused(List.of("merge", gradient.toString(), out.toString()), "'density'", "1.5", "models[0].parameters.density");
        Path conditional = Files.writeString(temp.resolve("conditional.yml"), base
                + "      weight: [{filter: mlp, value: [0.3, .nan]}, {value: 0.5}]\n");
        assertRefused(List.of("merge", conditional.toString(), out.toString()), "'weight'", "NaN");
        Path slice = Files.writeString(temp.resolve("slice.yml"), "merge_method: slerp\nbase_model: " + temp.resolve("a")
                + "\nslices:\n  - sources:\n      - model: " + temp.resolve("a") + "\n        layer_range: [0, 2]\n"
                + "      - model: " + temp.resolve("b") + "\n        layer_range: [0, 2]\n    parameters:\n      t: [0, -.inf]\n");
        assertRefused(List.of("merge", slice.toString(), out.toString()), "'t'", "-inf", "slices[0].parameters.t");
    }

    @ParameterizedTest
    @ValueSource(strings = {"method.t=.nan", "method.t=1.5", "method.DOT_THRESHOLD=.inf", "method.epsilon=-1"})
    void fusionBenchRefusesNonFiniteAndOutOfRangeSlerpValues(String key) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("run", "method=slerp", key, "taskpool=dummy",
                "modelpool=" + temp.resolve("no-pool.yaml"), "merged_model_save_path=" + out));
        assertRefused(arguments, "outside its domain");
    }

    private List<String> run(String method, String parameter, String value) {
        return new ArrayList<>(List.of("run", "method=" + method, "method." + parameter + "=" + value, "taskpool=dummy",
                "modelpool=" + temp.resolve("no-pool.yaml"), "merged_model_save_path=" + out));
    }

    private void assertRefused(List<String> arguments, String... fragments) throws IOException {
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(2, result.exitCode(), "exit code of " + arguments + "\n" + result.err());
        for (String fragment : fragments) {
            assertTrue(result.err().contains(fragment), "stderr names " + fragment + ":\n" + result.err());
        }
        assertFalse(result.err().contains("\tat "), "no stack trace:\n" + result.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}

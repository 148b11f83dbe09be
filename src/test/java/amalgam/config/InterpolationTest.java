package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpolationTest {
    private static Object resolve(String yaml, String key, Map<String, String> environment) {
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) ConfigYaml.load(yaml);
        return new ConfigResolver(tree, ConfigTrees.runtime(environment)).resolve(KeyPath.split(key));
    }

    private static Object resolve(String yaml, String key) {
        return resolve(yaml, key, Map.of());
    }

    private static String error(String yaml, String key) {
        return assertThrows(UserInputException.class, () -> resolve(yaml, key)).getMessage();
    }

    @Test
    void absoluteReferencesKeepTheTypeOfWholeValues() {
        String yaml = "a: {b: 3, f: 0.5, t: true, n: null, l: [1, 2], m: {x: 1}}\nr: ${a.b}\nf: ${a.f}\nt: ${a.t}\n"
                + "n: ${a.n}\nl: ${a.l}\nm: ${a.m}\ni: ${a.l[1]}\nj: ${a.l.0}\n";
        assertEquals(3, resolve(yaml, "r"));
        assertEquals(0.5, resolve(yaml, "f"));
        assertEquals(true, resolve(yaml, "t"));
        assertEquals(null, resolve(yaml, "n"));
        assertEquals(List.of(1, 2), resolve(yaml, "l"));
        assertEquals(Map.of("x", 1), resolve(yaml, "m"));
        assertEquals(2, resolve(yaml, "i"));
        assertEquals(1, resolve(yaml, "j"));
    }

    @Test
    void relativeReferencesStartAtTheContainingNode() {
        String yaml = "path:\n  root: /r\n  out: ${.root}/outputs\n  deep: {x: '${..root}', y: '${.x}'}\n"
                + "models:\n  _pretrained_: ${..base}\nbase: b\n";
        assertEquals("/r/outputs", resolve(yaml, "path.out"));
        assertEquals("/r", resolve(yaml, "path.deep.x"));
        assertEquals("/r", resolve(yaml, "path.deep.y"), "transitive: y reads x, which reads root");
        assertEquals("b", resolve(yaml, "models._pretrained_"));
        assertTrue(error("a: ${...x}", "a").contains("above the top"));
    }

    @Test
    void stringInterpolationWritesValuesAsPythonDoes() {
        String yaml = "a: 1\nb: 0.00001\nc: true\nd: null\ne: [1, x]\ns: \"${a}-${b}-${c}-${d}-${e}\"\nesc: \\${a}\n";
        assertEquals("1-1e-05-True-None-[1, 'x']", resolve(yaml, "s"));
        assertEquals("${a}", resolve(yaml, "esc"));
    }

    @Test
    void ocEnvTakesADefaultThatMayBeQuotedOrAnInterpolation() {
        String yaml = "root: ${oc.env:PROJECT_ROOT,\".\"}\ndata: ${oc.env:DATA_DIR,${root}/data}\n"
                + "flag: ${oc.env:FULL_ERROR,1}\nnone: ${oc.env:NOPE,null}\nstrict: ${oc.env:NOPE}\n";
        assertEquals(".", resolve(yaml, "root"));
        assertEquals("./data", resolve(yaml, "data"));
        assertEquals("/p/data", resolve(yaml, "data", Map.of("PROJECT_ROOT", "/p")));
        assertEquals("/d", resolve(yaml, "data", Map.of("DATA_DIR", "/d")));
        assertEquals("1", resolve(yaml, "flag"), "oc.env's default becomes a string");
        assertEquals(null, resolve(yaml, "none"));
        assertTrue(error(yaml, "strict").contains("NOPE"));
    }

    @Test
    void nowHydraAndSelectResolvers() {
        String yaml = "hydra:\n  job: {config_name: main, num: 3}\n  runtime: {cwd: /w}\n"
                + "log: out/${hydra:job.config_name}/${now:%Y-%m-%d_%H-%M-%S}\ncwd: ${hydra:runtime.cwd}\n"
                + "num: ${hydra:job.num}\ndotted: ${hydra.job.config_name}\ntime: ${now:%H:%M:%S}\n"
                + "a: {x: 1, sel: '${oc.select:.x,5}', miss: '${oc.select:nope,5}', none: '${oc.select:nope}'}\n"
                + "dec: ${oc.decode:'[1, ${a.x}]'}\n";
        assertEquals("out/main/2026-03-04_05-06-07", resolve(yaml, "log"));
        assertEquals("/w", resolve(yaml, "cwd"));
        assertEquals(3, resolve(yaml, "num"));
        assertEquals("main", resolve(yaml, "dotted"));
        assertEquals("05:06:07", resolve(yaml, "time"));
        assertEquals(1, resolve(yaml, "a.sel"));
        assertEquals(5, resolve(yaml, "a.miss"));
        assertEquals(null, resolve(yaml, "a.none"));
        assertEquals(List.of(1, 1), resolve(yaml, "dec"));
    }

    @Test
    void nestedInterpolationInKeysAndResolverArguments() {
        String yaml = "which: b\nvalues: {a: 1, b: 2}\npick: ${values.${which}}\nenv: ${oc.env:${which},${pick}}\n";
        assertEquals(2, resolve(yaml, "pick"));
        assertEquals("2", resolve(yaml, "env"));
        assertEquals("set", resolve(yaml, "env", Map.of("b", "set")));
    }

    @Test
    void errorsNameTheKey() {
        assertTrue(error("a: ${b}\nb: ${c}\nc: ${a}\n", "a").contains("cycle"), "cycle");
        String missingKey = error("a: ${nope.x}\n", "a");
        assertTrue(missingKey.contains("'nope'") && missingKey.contains("does not exist"), missingKey);
        String mandatory = error("a: ???\nb: x${a}\n", "b");
        assertTrue(mandatory.contains("'a' is missing"), mandatory);
        String unknown = error("a: ${foo:1}\n", "a");
        assertTrue(unknown.contains("unknown resolver 'foo'") && unknown.contains("oc.env"), unknown);
        assertTrue(error("a: ${b\n", "a").contains("'a'"));
        assertEquals(Missing.VALUE, resolve("a: ???\n", "a"), "a missing value itself stays a marker");
    }

    @Test
    void deepChainsStopAtTheDepthLimit() {
        StringBuilder yaml = new StringBuilder("k0: 1\n");
        for (int i = 1; i <= 100; i++) {
            yaml.append("k").append(i).append(": ${k").append(i - 1).append("}\n");
        }
        assertTrue(error(yaml.toString(), "k100").contains("levels deep"));
        assertEquals(1, resolve(yaml.toString(), "k50"));
    }
}

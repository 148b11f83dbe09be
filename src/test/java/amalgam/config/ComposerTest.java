package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposerTest {
    @TempDir
    Path root;

    private Map<String, Object> job(String configName, String... overrides) {
        return ConfigTrees.compose(root, configName, overrides).job();
    }

    private String error(String configName, String... overrides) {
        return assertThrows(UserInputException.class, () -> ConfigTrees.compose(root, configName, overrides)).getMessage();
    }

    private void dbTree() {
        ConfigTrees.write(root,
                "db/mysql.yaml", "driver: mysql\nhost: localhost\nport: 3306\n",
                "db/sqlite.yaml", "driver: sqlite\n",
                "self_last.yaml", "defaults:\n  - db: mysql\ndb:\n  host: backup\n",
                "self_first.yaml", "defaults:\n  - _self_\n  - db: mysql\ndb:\n  host: backup\n",
                "self_absent.yaml", "defaults:\n  - db: mysql\ndb:\n  host: backup\n");
    }

    @Test
    void selfDecidesWhetherAConfigOverridesItsDefaults() {
        dbTree();
        // Hydra 1.1+: without _self_ the config's own fields come last and win
        assertEquals(Map.of("db", Map.of("driver", "mysql", "host", "backup", "port", 3306)), job("self_absent"));
        assertEquals(job("self_absent"), job("self_last"));
        assertEquals(Map.of("db", Map.of("driver", "mysql", "host", "localhost", "port", 3306)), job("self_first"));
    }

    @Test
    void commandLineChoosesAndRemovesGroupOptions() {
        dbTree();
        assertEquals(Map.of("db", Map.of("driver", "sqlite", "host", "backup")), job("self_last", "db=sqlite"));
        assertEquals(Map.of("db", Map.of("host", "backup")), job("self_last", "~db"));
        assertEquals(Map.of("db", Map.of("host", "backup")), job("self_last", "db=null"));
        assertEquals(Map.of("db", Map.of("host", "backup")), job("self_last", "~db=mysql"));
        assertTrue(error("self_last", "~db=sqlite").contains("could not delete config group 'db=sqlite'"),
                "~db=OPTION deletes only that option, and an unused deletion is an error, as in Hydra");
        String unknown = error("self_last", "db=oracle");
        assertTrue(unknown.contains("no option 'oracle' in config group 'db'") && unknown.contains("mysql, sqlite"), unknown);
        String notInList = error("self_last", "db@backup=sqlite");
        assertTrue(notInList.contains("could not override config group 'db@backup'") && notInList.contains("+db@backup"),
                notInList);
    }

    @Test
    void appendingAGroupAndGroupPackages() {
        dbTree();
        assertEquals(Map.of("db", Map.of("driver", "mysql", "host", "backup", "port", 3306), "backup",
                Map.of("driver", "sqlite")), job("self_last", "+db@backup=sqlite"));
        ConfigTrees.write(root, "two.yaml", "defaults:\n  - db@src: mysql\n  - db@dst: sqlite\n  - _self_\n");
        ComposedConfig two = ConfigTrees.compose(root, "two", "db@dst=mysql");
        assertEquals(Map.of("src", Map.of("driver", "mysql", "host", "localhost", "port", 3306), "dst",
                Map.of("driver", "mysql", "host", "localhost", "port", 3306)), two.job());
        assertEquals("mysql", two.choices().get("db@dst"));
    }

    @Test
    void nestedGroupOptionsAndChoices() {
        ConfigTrees.write(root,
                "main.yaml", "defaults:\n  - method: dummy\n  - _self_\n",
                "method/dummy.yaml", "name: dummy\n",
                "method/adamerging/clip.yaml", "name: clip_layer_wise_adamerging\nlr: 1e-3\n");
        ComposedConfig config = ConfigTrees.compose(root, "main", "method=adamerging/clip", "method.lr=0.01");
        assertEquals(Map.of("method", Map.of("name", "clip_layer_wise_adamerging", "lr", 0.01)), config.job());
        assertEquals("adamerging/clip", config.choices().get("method"));
        assertEquals(0.001, ConfigTrees.compose(root, "main", "method=adamerging/clip").select("method.lr"),
                "OmegaConf reads 1e-3 as a float, plain YAML 1.1 would keep a string");
    }

    @Test
    void listsOfOptionsMergeIntoOnePackage() {
        ConfigTrees.write(root,
                "main.yaml", "defaults:\n  - pool: p\n",
                "pool/p.yaml", "defaults:\n  - /data/test@test_datasets: [a, b]\n  - _self_\nname: p\n",
                "data/test/a.yaml", "a: {split: test}\n",
                "data/test/b.yaml", "b: {split: test}\n");
        assertEquals(Map.of("pool", Map.of("test_datasets", Map.of("a", Map.of("split", "test"), "b",
                Map.of("split", "test")), "name", "p")), job("main"));
    }

    @Test
    void relativeNestedGroupWithAnEmptyPackageLandsInTheParentsPackage() {
        ConfigTrees.write(root,
                "main.yaml", "defaults:\n  - pool: Family/x\n",
                "pool/Family/_template.yaml", "_target_: Family\nmodels: ???\nprocessor: base\n",
                "pool/Family/x.yaml", "defaults:\n  - Family@: _template\n  - _self_\nmodels: {m: 1}\n");
        ComposedConfig config = ConfigTrees.compose(root, "main");
        assertEquals(Map.of("pool", Map.of("_target_", "Family", "models", Map.of("m", 1), "processor", "base")),
                config.job());
        assertEquals("_template", config.choices().get("pool/Family@pool"));
        assertTrue(config.defaults().contains(new DefaultsEntry("pool/Family/_template", "pool", false, "pool/Family/x",
                false, "pool/Family@pool")), config.defaults().toString());
    }

    @Test
    void plainConfigsPackageHeadersHereAndGlobal() {
        ConfigTrees.write(root,
                "main.yaml", "defaults:\n  - other\n  - group/plain\n  - sub: x\n  - g@_global_: b\n  - _self_\nx: 1\n",
                "sub/x.yaml", "defaults:\n  - /g@_here_: a\n  - _self_\ns: 1\n",
                "other.yaml", "o: 1\n",
                "group/plain.yaml", "p: 1\n",
                "g/a.yaml", "here: 1\n",
                "g/b.yaml", "global: 1\n",
                "headed.yaml", "defaults:\n  - h: one\n",
                "h/one.yaml", "# @package _global_\nlifted: 1\n",
                "named.yaml", "defaults:\n  - h: two\n",
                "h/two.yaml", "# @package deep.place\nv: 2\n",
                "late_header.yaml", "defaults:\n  - h: three\n",
                "h/three.yaml", "# a comment first\n# @package _global_\nv: 3\n");
        assertEquals(Map.of("o", 1, "group", Map.of("p", 1), "sub", Map.of("here", 1, "s", 1), "global", 1, "x", 1),
                job("main"));
        assertEquals(Map.of("lifted", 1), job("headed"));
        assertEquals(Map.of("deep", Map.of("place", Map.of("v", 2))), job("named"));
        assertEquals(Map.of("h", Map.of("v", 3)), job("late_header"), "Hydra stops reading the header at a comment");
    }

    @Test
    void optionalAndOverrideEntries() {
        ConfigTrees.write(root,
                "main.yaml", "defaults:\n  - optional extra: missing\n  - server: apache\n  - override server/db: sqlite\n",
                "server/apache.yaml", "defaults:\n  - db: mysql\nname: apache\n",
                "server/db/mysql.yaml", "name: mysql\n",
                "server/db/sqlite.yaml", "name: sqlite\n",
                "extra/.keep", "",
                "bad_order.yaml", "defaults:\n  - override server/db: sqlite\n  - server: apache\n");
        assertEquals(Map.of("server", Map.of("db", Map.of("name", "sqlite"), "name", "apache")), job("main"));
        assertEquals(Map.of("server", Map.of("db", Map.of("name", "mysql"), "name", "apache")),
                job("main", "server/db=mysql"), "the command line wins over an override entry");
        assertTrue(error("bad_order").contains("overrides must be at the end"));
    }

    @Test
    void missingGroupOptionAndMissingValues() {
        ConfigTrees.write(root,
                "main.yaml", "defaults:\n  - method: ???\n",
                "method/a.yaml", "x: ???\n",
                "method/b.yaml", "x: 1\n");
        String unset = error("main");
        assertTrue(unset.contains("method=OPTION") && unset.contains("a, b"), unset);
        ComposedConfig config = ConfigTrees.compose(root, "main", "method=a");
        assertEquals(Map.of("method", Map.of("x", "???")), config.job());
        assertEquals(Map.of("method", Map.of("x", Missing.VALUE)), config.resolvedAllowingMissing());
        String missing = assertThrows(UserInputException.class, config::resolved).getMessage();
        assertTrue(missing.contains("'method.x' is missing"), missing);
        assertEquals(Map.of("method", Map.of("x", 5)), ConfigTrees.compose(root, "main", "method=a", "method.x=5")
                .resolved());
    }

    @Test
    void missingInALaterConfigDoesNotReplaceAValue() {
        ConfigTrees.write(root, "main.yaml", "defaults:\n  - base\n  - _self_\nx: ???\ny: ???\n", "base.yaml", "x: 1\n");
        assertEquals(Map.of("x", 1, "y", "???"), job("main"));
    }

    @Test
    void fieldOverridesFollowHydrasStructRules() {
        ConfigTrees.write(root, "main.yaml", "a: {b: 1, l: [1, 2]}\nkw: null\nn: null\n");
        Map<String, Object> changed = job("main", "a.b=2", "kw={save_tensors: true}");
        assertEquals(Map.of("b", 2, "l", List.of(1, 2)), changed.get("a"));
        assertEquals(Map.of("save_tensors", true), changed.get("kw"));
        assertTrue(error("main", "a.c=1").contains("+a.c=1"));
        assertTrue(error("main", "a={c: 1}").contains("'a.c'"), "struct mode: a mapping merged into a may not add keys");
        assertEquals(Map.of("b", 1, "l", List.of(1, 2), "c", Map.of("d", 1)), job("main", "+a.c.d=1").get("a"));
        assertTrue(error("main", "+a.b=5").contains("++a.b=5"));
        assertEquals(Map.of("b", 5, "l", List.of(1, 2)), job("main", "++a.b=5").get("a"));
        assertEquals(Map.of("b", 5, "l", List.of(1, 2), "z", 1), job("main", "++a.b=5", "++a.z=1").get("a"));
        assertEquals(3, job("main", "+n=3").get("n"), "+ may set a key that is null");
        assertEquals(Map.of("l", List.of(1, 2)), job("main", "~a.b").get("a"));
        assertEquals(Map.of("b", 1, "l", List.of(1, 9)), job("main", "a.l.1=9").get("a"));
        assertTrue(error("main", "~a.zz").contains("'a.zz'"));
        assertTrue(error("main", "~a.b=7").contains("not 7"));
        assertEquals(Map.of("l", List.of(1, 2)), job("main", "~a.b=1").get("a"));
        assertEquals("${a.b}/x", job("main", "++s=${a.b}/x").get("s"));
        assertEquals("1/x", ConfigTrees.compose(root, "main", "++s=${a.b}/x").resolved().get("s"));
    }

    @Test
    void guardsAgainstHostileTrees() {
        ConfigTrees.write(root,
                "loop.yaml", "defaults:\n  - loop\n",
                "twice.yaml", "defaults:\n  - _self_\n  - _self_\n",
                "dup.yaml", "defaults:\n  - g: a\n  - g: b\n",
                "g/a.yaml", "a: 1\n",
                "g/b.yaml", "b: 1\n",
                "escape.yaml", "defaults:\n  - g: ../../etc/passwd\n",
                "notamap.yaml", "- 1\n- 2\n",
                "dupkey.yaml", "a: 1\na: 2\n");
        assertTrue(error("loop").contains("levels deep"));
        assertTrue(error("twice").contains("_self_ twice"));
        assertTrue(error("dup").contains("'g'"));
        assertTrue(error("escape").contains("'..'"));
        assertTrue(error("notamap").contains("mapping"));
        assertTrue(error("dupkey").contains("not valid YAML"));
        assertTrue(error("nope").contains("cannot find primary config 'nope'"));
    }
}

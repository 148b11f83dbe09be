package amalgam.fuzz;

import java.util.ArrayList;
import java.util.List;

/** Words a YAML mutator splices in: structure, tags, anchors, YAML 1.1 scalars, references, paths. */
final class YamlWords {
    private YamlWords() {
    }

    static final List<String> COMMON = List.of("- ", ": ", "? ", "[", "]", "{", "}", ",", "~", "null", "yes", "no", "on",
        "off", "true", "&a ", "*a", "<<: *a\n", "&b [*a, *a, *a, *a]", "!!binary AAAA", "!!python/object/apply:os.system [x]",
        "!!set {a, b}", "!!float ", "!!int ", "!!str ", "!!map ", "!!seq ", "!x ", "|\n  ", ">-\n  ", "---\n", "...\n",
        "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\t", "\r", "\"\\u0000\"", "\"\\ud800\"", "'", "\"", "#", "@", "`",
        "\n  ", "\n    ", "${..a}", "${.a}", "${a.b}", "${oc.env:HOME}", "${", "}", "../", "/", "/dev/zero", "\u0000", "\u00ff");

    static List<String> with(String... words) {
        List<String> all = new ArrayList<>(COMMON);
        all.addAll(List.of(words));
        return all;
    }
}

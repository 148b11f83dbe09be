package amalgam.mergekit.tokenizer;

import amalgam.mergekit.TestTokenizers;
import amalgam.mergekit.TestTokenizers.Added;
import amalgam.mergekit.config.ModelReference;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Three small tokenizers whose merged vocabularies the tests derive by hand.
 * <ul>
 *   <li>B (the base, vocab_size 4): BPE {@code <s> a b c <pad>}, merges {@code "a b", "b <pad>"}, added {@code <s>}
 *       (0) and {@code <pad>} (4, stripped: its id is not below vocab_size);</li>
 *   <li>X (vocab_size 5): {@code <s> a d b}, added {@code <s>} (0) and special {@code <x>} (4);</li>
 *   <li>Y (vocab_size 4, WordLevel): {@code <s> e a}, added {@code <s>} (0) and a non-special {@code <x>} (3).</li>
 * </ul>
 * Union, base first: {@code <s>0 a1 b2 c3}, then X's {@code d}4 and Y's {@code e}5 as plain added tokens, then
 * {@code <x>}6 with X's (first) settings.
 */
final class Vocabularies {
    static final ModelReference B = ModelReference.of("B");
    static final ModelReference X = ModelReference.of("X");
    static final ModelReference Y = ModelReference.of("Y");

    static final String B_JSON = TestTokenizers.json("BPE", List.of("<s>", "a", "b", "c", "<pad>"),
            List.of("a b", "b <pad>"), List.of(new Added(0, "<s>", true), new Added(4, "<pad>", true)));
    static final String X_JSON = TestTokenizers.json("BPE", List.of("<s>", "a", "d", "b"), List.of(),
            List.of(new Added(0, "<s>", true), new Added(4, "<x>", true)));
    static final String Y_JSON = TestTokenizers.json("WordLevel", List.of("<s>", "e", "a"), List.of(),
            List.of(new Added(0, "<s>", true), new Added(3, "<x>", false)));

    private Vocabularies() {
    }

    static TokenizerJson parse(String json, String name) {
        return TokenizerJson.parse(json.getBytes(StandardCharsets.UTF_8), name);
    }

    /** B (stripped to its vocab_size), X, Y: the base first, as the planner passes them. */
    static List<ModelTokenizer> models() {
        return List.of(ModelTokenizer.of(B, parse(B_JSON, "B").stripped(4), 4),
                ModelTokenizer.of(X, parse(X_JSON, "X"), 5),
                ModelTokenizer.of(Y, parse(Y_JSON, "Y"), 4));
    }
}

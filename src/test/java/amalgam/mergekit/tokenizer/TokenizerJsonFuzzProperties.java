package amalgam.mergekit.tokenizer;

import amalgam.UserInputException;
import amalgam.mergekit.config.TokenizerSource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mutated tokenizer.json documents (byte flips, spliced JSON fragments): reading, stripping, building a vocabulary
 * from them and writing them back either works or throws the typed user error, never anything else.
 */
class TokenizerJsonFuzzProperties {
    private static final String[] SNIPPETS = {"{", "}", "[", "]", ",", ":", "\"", "-1", "1e99", "null", "true", "0",
        "2147483647", "\"type\":\"BPE\"", "\"vocab\":{}", "\"merges\":[]", "\"added_tokens\":[]", "\"id\":4", "\\u0000"};
    private static final byte[][] DOCUMENTS = {
        Vocabularies.B_JSON.getBytes(StandardCharsets.UTF_8),
        Vocabularies.X_JSON.getBytes(StandardCharsets.UTF_8),
        Vocabularies.Y_JSON.getBytes(StandardCharsets.UTF_8)};

    @Provide
    Arbitrary<byte[]> documents() {
        return Arbitraries.of(DOCUMENTS);
    }

    @Provide
    Arbitrary<List<Integer>> positions() {
        return Arbitraries.integers().greaterOrEqual(0).list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 5_000)
    void byteFlips(@ForAll("documents") byte[] document, @ForAll("positions") List<Integer> positions, @ForAll byte value) {
        byte[] mutated = document.clone();
        for (int position : positions) {
            mutated[Math.floorMod(position, mutated.length)] ^= (byte) (value | 1);
        }
        useOrTypedError(mutated);
    }

    @Property(tries = 5_000)
    void splicedFragments(@ForAll("documents") byte[] document, @ForAll("positions") List<Integer> positions,
                          @ForAll("snippets") String snippet) {
        String text = new String(document, StandardCharsets.UTF_8);
        for (int position : positions) {
            int at = Math.floorMod(position, text.length());
            text = text.substring(0, at) + snippet + text.substring(at);
        }
        useOrTypedError(text.getBytes(StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<String> snippets() {
        return Arbitraries.of(SNIPPETS);
    }

    private static void useOrTypedError(byte[] bytes) {
        try {
            TokenizerJson tokenizer = TokenizerJson.parse(bytes, "fuzzed");
            TokenizerJson stripped = tokenizer.stripped(3);
            stripped.toJson();
            VocabularyBuilder.build(new TokenizerSource.Union(),
                    List.of(ModelTokenizer.of(Vocabularies.B, stripped, 3), Vocabularies.models().get(1)), null, List.of("<n>"));
        } catch (UserInputException expected) {
            // the typed error is the only acceptable failure
        }
    }
}

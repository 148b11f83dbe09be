package amalgam.fuzz;

import amalgam.mergekit.tokenizer.TokenizerJson;
import java.nio.file.Path;
import java.util.List;

/** {@code tokenizer.json} read as a vocabulary merge reads it, then stripped, re-tokened and written back. */
class TokenizerJsonFuzzTest extends FuzzTargetTest {
    static final FuzzTarget TARGET = new FuzzTarget("tokenizer", "tokenizer.json", true, List.of("\"model\"", "\"type\"",
        "\"BPE\"", "\"WordPiece\"", "\"WordLevel\"", "\"Unigram\"", "\"vocab\"", "\"merges\"", "\"added_tokens\"", "\"id\"",
        "\"content\"", "\"special\"", "[\"a\",\"b\"]", "\"a b\"", "\"a b c\"", "\"\"", "{}", "[]", "null", "true", ":", ",",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\uffff\"", "2147483647", "2147483648", "-1", "1e99", "0.5", "{\"id\":3,\"content\":\"x\"}"),
        TokenizerJsonFuzzTest::read);

    static void read(Path file) {
        TokenizerJson tokenizer = TokenizerJson.read(file);
        tokenizer.modelType();
        tokenizer.vocabulary();
        int max = tokenizer.maxId();
        tokenizer.stripped(Math.max(0, max / 2)).toJson();
        tokenizer.withAddedTokens(tokenizer.addedTokens()).toJson();
    }

    @Override
    FuzzTarget target() {
        return TARGET;
    }
}

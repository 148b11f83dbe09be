package amalgam.fuzz;

import amalgam.UserInputException;
import amalgam.mergekit.config.ConfigParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** mergekit configurations read as {@code amalgam merge CONFIG OUT} reads them, leniently and with {@code --strict}. */
class MergeConfigFuzzTest extends FuzzTargetTest {
    static final FuzzTarget TARGET = new FuzzTarget("mergekit-config", "config.yml", true, YamlWords.with("merge_method: ",
        "models:\n", "slices:\n", "sources:\n", "layer_range: ", "parameters: ", "filter: ", "value: ", "weight: ",
        "density: ", "t: ", "tokenizer:\n", "tokens: ", "source: ", "kind: ", "model_token", "zero", "union", "base",
        "token_id: ", "token: ", "force: ", "pad_to_multiple_of: ", "tokenizer_source: ", "chat_template: ", "base_model: ",
        "dtype: ", "out_dtype: ", "lora: ", "path: ", "revision: ", "override_architecture: ", "modules: ", "model: ",
        "a+b", "org/name@rev", "+", "@", "[0, 4]", "[4, 0]", "[-1, 2147483647]", "normalize: ", "int8_mask: "),
        MergeConfigFuzzTest::parse).withMaxSize(64 << 10);

    /** What {@code amalgam merge} does with the file before it resolves any model. */
    static void parse(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UserInputException("cannot read merge config '" + file + "': " + e, e);
        }
        try {
            ConfigParser.parse(text);
        } finally {
            ConfigParser.strict(text);
        }
    }

    @Override
    FuzzTarget target() {
        return TARGET;
    }
}

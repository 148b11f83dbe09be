package amalgam.model.lm;

import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import amalgam.io.ConfigFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/** A language model's {@code config.json}, typed per architecture family. */
public sealed interface LmConfig permits DecoderConfig, Gpt2Config {
    LmArchitecture architecture();

    int vocabSize();

    int hiddenSize();

    /** The longest input the model accepts (GPT-2's learned positions), or {@link Integer#MAX_VALUE} when unbounded. */
    int maxPositions();

    /** Query heads (the attention score buffer is [B, heads, L, L]). */
    int heads();

    /** Outputs per position of the head: the vocabulary, or the number of labels of a classifier. */
    int outputs();

    /** Reads {@code config.json}: its {@code architectures} entry picks the family. */
    static LmConfig read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(ConfigFiles.readText(CacheLinks.resolve(file), "model config"));
        } catch (IOException e) {
            throw new UserInputException("cannot read model config '" + file + "': " + e.getMessage(), e);
        }
        return parse(root, "'" + file + "'");
    }

    /** Whether the model folder's config.json names a sequence classifier (false for any other or unreadable config). */
    public static boolean namesClassifier(Path modelFolder) {
        try {
            JsonNode architectures = new ObjectMapper().readTree(ConfigFiles.readText(CacheLinks.resolve(modelFolder.resolve("config.json")),
                    "model config")).path("architectures");
            return architectures.size() == 1 && LmArchitecture.byClassName(architectures.get(0).asText())
                    .map(LmArchitecture::classifies).orElse(false);
        } catch (IOException | RuntimeException unreadable) {
            return false;
        }
    }

    static LmConfig parse(JsonNode root, String where) {
        ConfigJson config = new ConfigJson(root, where);
        JsonNode architectures = root.get("architectures");
        if (architectures == null || !architectures.isArray() || architectures.size() != 1 || !architectures.get(0).isTextual()) {
            throw new UserInputException(where + ": key 'architectures' must list exactly one model class (supported: "
                    + LmArchitecture.supported() + "), got " + architectures);
        }
        String name = architectures.get(0).textValue();
        LmArchitecture architecture = LmArchitecture.byClassName(name).orElseThrow(() -> new UserInputException(where
                + ": architecture '" + name + "' is not supported by lm-forward (supported: " + LmArchitecture.supported() + ")"));
        return switch (architecture) {
            case LLAMA, MISTRAL, QWEN2 -> DecoderConfig.parse(config, architecture);
            case GPT2_LM_HEAD, GPT2_SEQUENCE_CLASSIFICATION -> Gpt2Config.parse(config, architecture);
        };
    }
}

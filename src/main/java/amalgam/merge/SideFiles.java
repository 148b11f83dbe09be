package amalgam.merge;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import amalgam.tensor.DType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/** The files that travel with merged weights: config.json (torch_dtype updated) and the tokenizer files. */
public final class SideFiles {
    /**
     * Tokenizer, generation and processor files copied from the donor model's directory when present (mergekit's
     * list, plus the processor configs it carries along for vision-language architectures).
     */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer_config.json", "special_tokens_map.json",
            "tokenizer.json", "tokenizer.model", "added_tokens.json", "merges.txt", "chat_template.jinja",
            "generation_config.json", "chat_template.json", "video_preprocessor_config.json",
            "preprocessor_config.json", "processor_config.json");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SideFiles() {
    }

    /**
     * Copies config.json from the source directory (if any) with torch_dtype set to the output dtype (unless null)
     * and the given top-level keys replaced.
     */
    public static void copyConfig(Path sourceDirectory, Path outputDirectory, DType outputDType, Map<String, Object> updates) {
        Path config = CacheLinks.resolve(sourceDirectory.resolve("config.json"));
        if (!Files.isRegularFile(config)) {
            return;
        }
        try {
            JsonNode tree = JSON.readTree(ConfigFiles.readText(config, "model config"));
            if (!(tree instanceof ObjectNode object)) {
                throw new UserInputException("'" + config + "' is not a JSON object");
            }
            if (outputDType != null) {
                object.put("torch_dtype", outputDType.torchName());
            }
            updates.forEach((key, value) -> object.set(key, JSON.valueToTree(value)));
            Files.writeString(outputDirectory.resolve("config.json"), JSON.writeValueAsString(object) + "\n");
        } catch (IOException e) {
            throw new UserInputException("cannot read '" + config + "': " + e.getMessage(), e);
        }
    }

    /** Copies the tokenizer files present in the source directory. */
    public static void copyTokenizer(Path sourceDirectory, Path outputDirectory) {
        for (String name : TOKENIZER_FILES) {
            Path file = CacheLinks.resolve(sourceDirectory.resolve(name));
            if (Files.isRegularFile(file)) {
                try {
                    Files.copy(file, outputDirectory.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UserInputException("cannot copy '" + file + "': " + e.getMessage(), e);
                }
            }
        }
    }
}

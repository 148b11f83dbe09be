package amalgam.mergekit.tokenizer;

import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import amalgam.io.StrictJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer files of a merged model, as Hugging Face's {@code save_pretrained} would leave them:
 * {@code tokenizer.json} (the built tokenizer), {@code tokenizer_config.json} (the donor's, with
 * {@code added_tokens_decoder} describing the new added tokens; a minimal one if the donor has none) and
 * {@code special_tokens_map.json} (the donor's, or one listing the special tokens its {@code tokenizer_config.json}
 * names). Slow-tokenizer files ({@code tokenizer.model}, {@code vocab.json}, {@code merges.txt}) are not written:
 * they would describe the old vocabulary.
 */
public final class TokenizerFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The flags of an {@code added_tokens_decoder} entry, in the order Hugging Face writes them. */
    private static final List<String> FLAGS = List.of("lstrip", "normalized", "rstrip", "single_word", "special");

    /** The special-token attributes of a Hugging Face tokenizer, as {@code special_tokens_map.json} lists them. */
    private static final List<String> SPECIAL_KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token", "additional_special_tokens");

    private TokenizerFiles() {
    }

    /**
     * The files' contents by file name.
     *
     * @param donorDirectory the directory whose tokenizer the output vocabulary started from
     */
    public static Map<String, String> render(OutputVocabulary vocabulary, Path donorDirectory) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("tokenizer.json", vocabulary.tokenizer().toJson());
        Path configFile = CacheLinks.resolve(donorDirectory.resolve("tokenizer_config.json"));
        ObjectNode config;
        if (Files.isRegularFile(configFile)) {
            String name = "tokenizer config '" + configFile + "'";
            if (!(StrictJson.parse(TokenizerJson.readBounded(configFile, name), name) instanceof ObjectNode object)) {
                throw new UserInputException(name + " is not a JSON object");
            }
            config = object;
        } else {
            config = JsonNodeFactory.instance.objectNode();
            config.put("tokenizer_class", "PreTrainedTokenizerFast");
        }
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        vocabulary.tokenizer().addedTokens().stream().sorted(Comparator.comparingInt(TokenizerJson.AddedToken::id))
                .forEach(token -> {
                    ObjectNode entry = decoder.putObject(Integer.toString(token.id()));
                    entry.put("content", token.content());
                    for (String flag : FLAGS) {
                        JsonNode value = token.entry().get(flag);
                        // tokenizers' defaults: an added token is normalized unless it is special
                        boolean fallback = flag.equals("normalized") && !token.special();
                        entry.put(flag, value != null && value.isBoolean() ? value.asBoolean() : fallback);
                    }
                });
        files.put("tokenizer_config.json", write(config));
        Path specialTokens = CacheLinks.resolve(donorDirectory.resolve("special_tokens_map.json"));
        if (Files.isRegularFile(specialTokens)) {
            String name = "special tokens map '" + specialTokens + "'";
            byte[] bytes = TokenizerJson.readBounded(specialTokens, name);
            StrictJson.parse(bytes, name);
            files.put("special_tokens_map.json", new String(bytes, StandardCharsets.UTF_8));
        } else {
            ObjectNode special = JsonNodeFactory.instance.objectNode();
            SPECIAL_KEYS.stream().filter(config::hasNonNull).forEach(key -> special.set(key, config.get(key)));
            if (!special.isEmpty()) {
                files.put("special_tokens_map.json", write(special));
            }
        }
        return files;
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}

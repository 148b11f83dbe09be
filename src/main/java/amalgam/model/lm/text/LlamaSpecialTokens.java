package amalgam.model.lm.text;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The BOS/EOS rule of transformers' Llama-family fast tokenizers ({@code LlamaTokenizerFast}, {@code CodeLlamaTokenizerFast},
 * {@code GemmaTokenizerFast}): they rebuild tokenizer.json's post-processor from tokenizer_config.json's
 * {@code add_bos_token} (default true) and {@code add_eos_token} (default false) whenever they load
 * ({@code update_post_processor}), so a config that asks for EOS, or for no BOS, changes every encoding with special
 * tokens. The same template, {@code [BOS:0] $A:0 [EOS:0]} and for a pair {@code ... [BOS:1] $B:1 [EOS:1]}, is written
 * into the tokenizer here, so the Rust library applies it exactly.
 */
final class LlamaSpecialTokens {
    static final Set<String> CLASSES = Set.of("LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast",
            "GemmaTokenizer", "GemmaTokenizerFast");

    private LlamaSpecialTokens() {
    }

    /** The post-processor transformers would build, when the tokenizer config names a Llama-family class. */
    static Optional<ObjectNode> postProcessor(JsonNode tokenizerConfig, JsonNode tokenizer, String where) {
        if (tokenizerConfig == null || !CLASSES.contains(tokenizerConfig.path("tokenizer_class").asText(""))) {
            return Optional.empty();
        }
        boolean addBos = tokenizerConfig.path("add_bos_token").asBoolean(true);
        boolean addEos = tokenizerConfig.path("add_eos_token").asBoolean(false);
        String bos = addBos ? token(tokenizerConfig, "bos_token", where) : null;
        String eos = addEos ? token(tokenizerConfig, "eos_token", where) : null;
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode processor = json.objectNode().put("type", "TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        ArrayNode pair = processor.putArray("pair");
        for (int typeId = 0; typeId < 2; typeId++) {
            List<ArrayNode> targets = typeId == 0 ? List.of(single, pair) : List.of(pair);
            for (ArrayNode target : targets) {
                if (bos != null) {
                    target.addObject().putObject("SpecialToken").put("id", bos).put("type_id", typeId);
                }
                target.addObject().putObject("Sequence").put("id", typeId == 0 ? "A" : "B").put("type_id", typeId);
                if (eos != null) {
                    target.addObject().putObject("SpecialToken").put("id", eos).put("type_id", typeId);
                }
            }
        }
        ObjectNode specials = processor.putObject("special_tokens");
        for (String token : new ArrayList<>(java.util.Arrays.asList(bos, eos))) {
            if (token != null) {
                ObjectNode entry = specials.putObject(token).put("id", token);
                entry.putArray("ids").add(idOf(tokenizer, token, where));
                entry.putArray("tokens").add(token);
            }
        }
        return Optional.of(processor);
    }

    private static String token(JsonNode config, String key, String where) {
        JsonNode token = config.path(key);
        String text = token.isTextual() ? token.textValue() : token.path("content").asText(null);
        if (text == null || text.isEmpty()) {
            throw new UserInputException(where + ": " + key.replace("_token", "").toUpperCase(java.util.Locale.ROOT)
                    + " is to be added (add_" + key + ") but tokenizer_config.json names no " + key);
        }
        return text;
    }

    /** The id of {@code token}: an added token's, else the model vocabulary's. */
    private static long idOf(JsonNode tokenizer, String token, String where) {
        for (JsonNode added : tokenizer.path("added_tokens")) {
            if (token.equals(added.path("content").asText(null)) && added.path("id").canConvertToLong()) {
                return added.get("id").longValue();
            }
        }
        JsonNode id = tokenizer.path("model").path("vocab").path(token);
        if (id.canConvertToLong()) {
            return id.longValue();
        }
        throw new UserInputException(where + ": special token '" + token + "' is neither an added token nor in the vocabulary");
    }
}

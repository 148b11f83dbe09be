package amalgam.model.clip;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a CLIP tokenizer from a Hugging Face directory.
 * <ul>
 *   <li>{@code vocab.json} (token to id) and {@code merges.txt}: as {@code CLIPTokenizer}, the first line of
 *       {@code merges.txt} is a header and is skipped, and at most 48,894 merges ({@code 49152 - 256 - 2})
 *       are used; each other line holds exactly two whitespace-separated symbols.</li>
 *   <li>otherwise {@code tokenizer.json} whose {@code model.type} is {@code BPE} with the {@code </w>} end of
 *       word suffix: {@code model.vocab}, {@code model.merges} (strings {@code "a b"} or pairs), and the
 *       strings of {@code added_tokens}.</li>
 *   <li>special tokens: the OpenAI defaults, overridden by {@code tokenizer_config.json}, overridden by
 *       {@code special_tokens_map.json} (values are strings or objects with {@code content});
 *       {@code model_max_length} from {@code tokenizer_config.json} when it is at most 1,000,000.</li>
 * </ul>
 */
final class ClipTokenizerFiles {
    /** Merges {@code CLIPTokenizer} reads from {@code merges.txt} after the header line. */
    static final int MAX_MERGES = 49152 - 256 - 2;
    /** Largest tokenizer file accepted, bounding what is read into memory. */
    static final long MAX_FILE_BYTES = ConfigFiles.MAX_TOKENIZER_BYTES;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClipTokenizerFiles() {
    }

    static ClipTokenizer load(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new UserInputException("tokenizer directory '" + directory + "' does not exist");
        }
        Path vocabFile = directory.resolve("vocab.json");
        Path mergesFile = directory.resolve("merges.txt");
        Path tokenizerFile = directory.resolve("tokenizer.json");
        Map<String, Integer> vocabulary;
        List<String[]> merges;
        Set<String> added = new LinkedHashSet<>();
        if (Files.isRegularFile(vocabFile) && Files.isRegularFile(mergesFile)) {
            vocabulary = parseVocabulary(readJson(vocabFile), vocabFile.toString());
            merges = parseMergesText(readText(mergesFile), mergesFile.toString());
        } else if (Files.isRegularFile(tokenizerFile)) {
            JsonNode root = readJson(tokenizerFile);
            JsonNode model = root.path("model");
            String source = tokenizerFile.toString();
            if (!"BPE".equals(model.path("type").asText())) {
                throw new UserInputException("tokenizer file '" + source + "': model.type is '"
                        + model.path("type").asText() + "', expected 'BPE'");
            }
            if (!BpeModel.END_OF_WORD.equals(model.path("end_of_word_suffix").asText(""))) {
                throw new UserInputException("tokenizer file '" + source + "': model.end_of_word_suffix must be '"
                        + BpeModel.END_OF_WORD + "' for CLIP, got " + model.get("end_of_word_suffix"));
            }
            vocabulary = parseVocabulary(model.get("vocab"), source + " (model.vocab)");
            merges = parseMergesJson(model.get("merges"), source);
            for (JsonNode token : root.path("added_tokens")) {
                if (token.path("content").isTextual() && !token.path("content").asText().isEmpty()) {
                    added.add(token.path("content").asText());
                }
            }
        } else {
            throw new UserInputException("tokenizer directory '" + directory
                    + "' has neither vocab.json + merges.txt nor tokenizer.json");
        }
        ClipSpecialTokens defaults = ClipSpecialTokens.openAi();
        String[] special = {defaults.bos(), defaults.eos(), defaults.pad(), defaults.unknown()};
        int maxLength = ClipTokenizer.DEFAULT_MAX_LENGTH;
        Path config = directory.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode root = readJson(config);
            applySpecialTokens(root, special, config.toString());
            JsonNode max = root.get("model_max_length");
            if (max != null && max.isNumber() && max.asDouble() >= 2 && max.asDouble() <= 1_000_000) {
                maxLength = max.asInt();
            }
        }
        Path map = directory.resolve("special_tokens_map.json");
        if (Files.isRegularFile(map)) {
            applySpecialTokens(readJson(map), special, map.toString());
        }
        BpeModel model = new BpeModel(vocabulary, BpeModel.ranks(merges),
                Set.of(defaults.bos(), defaults.eos()));
        return new ClipTokenizer(model, new ClipSpecialTokens(special[0], special[1], special[2], special[3]),
                added, maxLength);
    }

    private static void applySpecialTokens(JsonNode root, String[] special, String source) {
        String[] keys = {"bos_token", "eos_token", "pad_token", "unk_token"};
        for (int i = 0; i < keys.length; i++) {
            JsonNode value = root.get(keys[i]);
            if (value == null || value.isNull()) {
                continue;
            }
            JsonNode content = value.isObject() ? value.get("content") : value;
            if (content == null || !content.isTextual() || content.asText().isEmpty()) {
                throw new UserInputException("tokenizer file '" + source + "': key '" + keys[i]
                        + "' must be a non-empty string or an object with 'content', got " + value);
            }
            special[i] = content.asText();
        }
    }

    /** A token-to-id JSON object; ids must be distinct non-negative integers. */
    static Map<String, Integer> parseVocabulary(JsonNode node, String source) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw new UserInputException("vocabulary '" + source + "' must be a non-empty JSON object of token -> id");
        }
        Map<String, Integer> vocabulary = new HashMap<>();
        Map<Integer, String> byId = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            JsonNode id = entry.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new UserInputException("vocabulary '" + source + "': token '" + entry.getKey()
                        + "' has id " + id + ", expected a non-negative integer");
            }
            String previous = byId.putIfAbsent(id.intValue(), entry.getKey());
            if (previous != null) {
                throw new UserInputException("vocabulary '" + source + "': tokens '" + previous + "' and '"
                        + entry.getKey() + "' share id " + id.intValue());
            }
            vocabulary.put(entry.getKey(), id.intValue());
        }
        return vocabulary;
    }

    /** {@code merges.txt}: the header line skipped, at most {@link #MAX_MERGES} lines of two symbols. */
    static List<String[]> parseMergesText(String text, String source) {
        String[] lines = text.strip().split("\n", -1);
        List<String[]> merges = new ArrayList<>();
        int last = Math.min(lines.length, MAX_MERGES + 1);
        for (int i = 1; i < last; i++) {
            String line = lines[i].strip();
            String[] parts = line.isEmpty() ? new String[0] : line.split("\\s+");
            if (parts.length != 2) {
                throw new UserInputException("merges file '" + source + "' line " + (i + 1)
                        + ": expected two symbols separated by a space, got '" + line + "'");
            }
            merges.add(parts);
        }
        return merges;
    }

    /** {@code model.merges} of {@code tokenizer.json}: strings {@code "a b"} or two-element arrays. */
    static List<String[]> parseMergesJson(JsonNode node, String source) {
        if (node == null || !node.isArray()) {
            throw new UserInputException("tokenizer file '" + source + "': model.merges must be a list");
        }
        List<String[]> merges = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode merge = node.get(i);
            String[] parts = null;
            if (merge.isTextual()) {
                parts = merge.asText().split(" ", -1);
            } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                parts = new String[] {merge.get(0).asText(), merge.get(1).asText()};
            }
            if (parts == null || parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new UserInputException("tokenizer file '" + source + "': model.merges[" + i
                        + "] must be \"a b\" or [\"a\", \"b\"], got " + merge);
            }
            merges.add(parts);
        }
        return merges;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(readText(file));
        } catch (IOException e) {
            throw new UserInputException("cannot parse JSON file '" + file + "': " + e.getMessage(), e);
        }
    }

    private static String readText(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new UserInputException("tokenizer file '" + file + "' is " + size + " bytes, more than "
                        + MAX_FILE_BYTES);
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserInputException("cannot read tokenizer file '" + file + "': " + e.getMessage(), e);
        }
    }
}

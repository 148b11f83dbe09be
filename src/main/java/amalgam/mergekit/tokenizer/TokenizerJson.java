package amalgam.mergekit.tokenizer;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import amalgam.io.StrictJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} as vocabulary merging sees it: the model's {@code vocab} (a token -> id map:
 * BPE, byte-level BPE, WordLevel or WordPiece), BPE {@code merges} and the {@code added_tokens}. Everything else in
 * the document (normalizer, pre-tokenizer, decoder, post-processor) is kept verbatim and written back.
 *
 * <p>Instances are immutable: {@link #stripped} and {@link #withAddedTokens} return new documents.
 */
public final class TokenizerJson {
    /** Largest tokenizer file read, bounding memory (real ones are at most tens of megabytes). */
    public static final long MAX_FILE_BYTES = ConfigFiles.MAX_TOKENIZER_BYTES;
    private static final Set<String> VOCABULARY_MODELS = Set.of("BPE", "WordLevel", "WordPiece");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One entry of {@code added_tokens}.
     *
     * @param id      its id
     * @param content its text
     * @param entry   the whole JSON entry ({@code id}, {@code content}, {@code special}, {@code normalized}, ...)
     */
    public record AddedToken(int id, String content, ObjectNode entry) {
        /** Whether the entry says {@code "special": true}. */
        public boolean special() {
            return entry.path("special").asBoolean(false);
        }
    }

    private final String name;
    private final ObjectNode root;
    private final Map<String, Integer> modelVocabulary;
    private final List<AddedToken> addedTokens;

    private TokenizerJson(String name, ObjectNode root, Map<String, Integer> modelVocabulary, List<AddedToken> addedTokens) {
        this.name = name;
        this.root = root;
        this.modelVocabulary = modelVocabulary;
        this.addedTokens = List.copyOf(addedTokens);
    }

    /** Reads and validates a file; every error names it. */
    public static TokenizerJson read(Path file) {
        String name = "tokenizer file '" + file + "'";
        return parse(readBounded(file, name), name);
    }

    /** The bytes of a tokenizer-side file of at most {@link #MAX_FILE_BYTES}; {@code name} names it in errors. */
    static byte[] readBounded(Path file, String name) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new UserInputException(name + " is " + size + " bytes, more than " + MAX_FILE_BYTES);
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserInputException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /** Parses a document; {@code name} starts every error message. */
    public static TokenizerJson parse(byte[] bytes, String name) {
        if (!(StrictJson.parse(bytes, name) instanceof ObjectNode root)) {
            throw new UserInputException(name + " is not a JSON object");
        }
        if (!(root.get("model") instanceof ObjectNode model)) {
            throw new UserInputException(name + ": key 'model' must be an object");
        }
        String type = model.path("type").asText("");
        if (!VOCABULARY_MODELS.contains(type)) {
            throw new UserInputException(name + ": model.type '" + type + "' is not supported for a merged vocabulary"
                    + " (supported: BPE, WordLevel, WordPiece; Unigram / SentencePiece vocabularies are not)");
        }
        if (!(model.get("vocab") instanceof ObjectNode vocab)) {
            throw new UserInputException(name + ": key 'model.vocab' must be an object of token -> id");
        }
        Map<String, Integer> vocabulary = new LinkedHashMap<>();
        vocab.properties().forEach(entry -> vocabulary.put(entry.getKey(), id(entry.getValue(),
                name + ": model.vocab['" + entry.getKey() + "']")));
        if (type.equals("BPE")) {
            JsonNode merges = model.get("merges");
            if (merges != null && !merges.isArray()) {
                throw new UserInputException(name + ": key 'model.merges' must be a list");
            }
            for (int i = 0; merges != null && i < merges.size(); i++) {
                mergeParts(merges.get(i), name + ": model.merges[" + i + "]");
            }
        }
        List<AddedToken> added = new ArrayList<>();
        JsonNode list = root.get("added_tokens");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new UserInputException(name + ": key 'added_tokens' must be a list");
            }
            for (int i = 0; i < list.size(); i++) {
                String where = name + ": added_tokens[" + i + "]";
                if (!(list.get(i) instanceof ObjectNode entry) || !entry.path("content").isTextual()
                        || entry.path("content").asText().isEmpty()) {
                    throw new UserInputException(where + " must be an object with a non-empty 'content' string");
                }
                added.add(new AddedToken(id(entry.get("id"), where + ".id"), entry.get("content").asText(), entry));
            }
        }
        return new TokenizerJson(name, root, vocabulary, added);
    }

    private static int id(JsonNode node, String where) {
        if (node == null || !node.isInt() || node.asInt() < 0) {
            throw new UserInputException(where + " must be a non-negative 32-bit integer id, got " + node);
        }
        return node.asInt();
    }

    /** The two tokens of a BPE merge, written {@code "a b"} or {@code ["a", "b"]}. */
    private static String[] mergeParts(JsonNode merge, String where) {
        if (merge.isTextual()) {
            String[] parts = merge.asText().split(" ", -1);
            if (parts.length == 2) {
                return parts;
            }
        } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
            return new String[] {merge.get(0).asText(), merge.get(1).asText()};
        }
        throw new UserInputException(where + " must be \"a b\" or [\"a\", \"b\"], got " + merge);
    }

    /** Names the file in messages: {@code tokenizer file '...'}. */
    public String name() {
        return name;
    }

    /** {@code model.type}. */
    public String modelType() {
        return root.get("model").get("type").asText();
    }

    /** {@code model.vocab} in file order. */
    public Map<String, Integer> modelVocabulary() {
        return Collections.unmodifiableMap(modelVocabulary);
    }

    /** {@code added_tokens} in file order. */
    public List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /**
     * Every token with its id, as the Hugging Face tokenizer reports its vocabulary: the model vocabulary with the
     * added tokens over it (an added token's id wins), ordered by id (ties in file order).
     */
    public Map<String, Integer> vocabulary() {
        Map<String, Integer> all = new LinkedHashMap<>(modelVocabulary);
        addedTokens.forEach(token -> all.put(token.content(), token.id()));
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(all.entrySet());
        entries.sort(Map.Entry.comparingByValue());
        Map<String, Integer> ordered = new LinkedHashMap<>();
        entries.forEach(entry -> ordered.put(entry.getKey(), entry.getValue()));
        return ordered;
    }

    /** Largest id in use, or -1 for an empty vocabulary. */
    public int maxId() {
        int max = -1;
        for (int id : modelVocabulary.values()) {
            max = Math.max(max, id);
        }
        for (AddedToken token : addedTokens) {
            max = Math.max(max, token.id());
        }
        return max;
    }

    /**
     * This tokenizer without the tokens whose id is {@code size} or more (mergekit's stripped base tokenizer): they
     * leave the vocabulary and the added tokens, and BPE merges naming them are dropped. Unchanged if none is that
     * large.
     */
    public TokenizerJson stripped(int size) {
        Set<String> unused = new HashSet<>();
        vocabulary().forEach((token, id) -> {
            if (id >= size) {
                unused.add(token);
            }
        });
        if (unused.isEmpty()) {
            return this;
        }
        ObjectNode copy = root.deepCopy();
        ObjectNode model = (ObjectNode) copy.get("model");
        Map<String, Integer> vocabulary = new LinkedHashMap<>(modelVocabulary);
        vocabulary.keySet().removeAll(unused);
        model.set("vocab", vocabularyNode(vocabulary));
        if (model.get("merges") instanceof ArrayNode merges) {
            ArrayNode kept = model.putArray("merges");
            for (int i = 0; i < merges.size(); i++) {
                String[] parts = mergeParts(merges.get(i), name + ": model.merges[" + i + "]");
                if (!unused.contains(parts[0]) && !unused.contains(parts[1])) {
                    kept.add(merges.get(i));
                }
            }
        }
        List<AddedToken> added = addedTokens.stream().filter(token -> token.id() < size).toList();
        return new TokenizerJson(name, withAddedTokensNode(copy, added), vocabulary, added);
    }

    /** This tokenizer with {@code added_tokens} replaced (entries get their ids written in). */
    public TokenizerJson withAddedTokens(List<AddedToken> added) {
        return new TokenizerJson(name, withAddedTokensNode(root.deepCopy(), added), modelVocabulary, added);
    }

    private static ObjectNode withAddedTokensNode(ObjectNode root, List<AddedToken> added) {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        added.stream().sorted(Comparator.comparingInt(AddedToken::id)).forEach(token -> {
            ObjectNode entry = JsonNodeFactory.instance.objectNode();
            entry.put("id", token.id());
            token.entry().properties().forEach(field -> {
                if (!field.getKey().equals("id")) {
                    entry.set(field.getKey(), field.getValue());
                }
            });
            entry.put("content", token.content());
            list.add(entry);
        });
        root.set("added_tokens", list);
        return root;
    }

    private static ObjectNode vocabularyNode(Map<String, Integer> vocabulary) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        vocabulary.forEach(node::put);
        return node;
    }

    /** An added-token entry as {@code tokenizer.add_tokens("text")} makes it: not special, normalized. */
    public static ObjectNode plainEntry(String content) {
        ObjectNode entry = JsonNodeFactory.instance.objectNode();
        entry.put("content", content);
        entry.put("single_word", false);
        entry.put("lstrip", false);
        entry.put("rstrip", false);
        entry.put("normalized", true);
        entry.put("special", false);
        return entry;
    }

    /** The document as pretty-printed JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}

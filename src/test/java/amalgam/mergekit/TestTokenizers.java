package amalgam.mergekit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small Hugging Face {@code tokenizer.json} documents for tests. */
public final class TestTokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One {@code added_tokens} entry. */
    public record Added(int id, String content, boolean special) {
    }

    private TestTokenizers() {
    }

    /**
     * A tokenizer.json.
     *
     * @param type   {@code model.type}
     * @param vocab  {@code model.vocab} tokens, id = position
     * @param merges BPE merges {@code "a b"} (only written for BPE)
     * @param added  {@code added_tokens}
     */
    public static String json(String type, List<String> vocab, List<String> merges, List<Added> added) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        ArrayNode list = root.putArray("added_tokens");
        for (Added token : added) {
            ObjectNode entry = list.addObject();
            entry.put("id", token.id());
            entry.put("content", token.content());
            entry.put("single_word", false);
            entry.put("lstrip", false);
            entry.put("rstrip", false);
            entry.put("normalized", !token.special());
            entry.put("special", token.special());
        }
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        ObjectNode model = root.putObject("model");
        model.put("type", type);
        ObjectNode vocabulary = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) {
            vocabulary.put(vocab.get(i), i);
        }
        if (type.equals("BPE")) {
            ArrayNode mergeList = model.putArray("merges");
            merges.forEach(mergeList::add);
        }
        return root.toPrettyString();
    }

    /** Writes {@code tokenizer.json} (and a small tokenizer_config.json) into {@code directory}. */
    public static void write(Path directory, String tokenizerJson) {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("tokenizer.json"), tokenizerJson);
            Files.writeString(directory.resolve("tokenizer_config.json"),
                    "{\"tokenizer_class\": \"PreTrainedTokenizerFast\", \"bos_token\": \"<s>\", \"model_max_length\": 64}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

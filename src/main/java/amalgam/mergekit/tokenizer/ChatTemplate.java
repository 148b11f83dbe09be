package amalgam.mergekit.tokenizer;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * mergekit's {@code chat_template}: {@code auto} picks the template most of the referenced models' tokenizers carry
 * (ties: the first model in config order, base model last); a bundled name ({@code alpaca}, {@code chatml},
 * {@code llama3}, {@code mistral}, {@code exaone}) is amalgam's own rendering of that prompt format; anything else
 * is the template itself and must be at least 20 characters long and contain '{'. The template goes into the
 * written tokenizer's {@code tokenizer_config.json} and, as current transformers saves it, {@code chat_template.jinja}.
 */
public final class ChatTemplate {
    public static final List<String> BUNDLED = List.of("alpaca", "chatml", "llama3", "mistral", "exaone");
    static final String CONFIG_FILE = "tokenizer_config.json";
    static final String JINJA_FILE = "chat_template.jinja";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ChatTemplate() {
    }

    /**
     * The template text for the configured value, or empty when none applies (no value, or {@code auto} while no
     * referenced model has a template).
     *
     * @param models the referenced models' directories, in the order that breaks ties
     */
    public static Optional<String> resolve(String configured, List<Path> models) {
        if (configured == null || configured.isEmpty()) {
            return Optional.empty();
        }
        if (configured.equals("auto")) {
            return mostCommon(models);
        }
        if (BUNDLED.contains(configured)) {
            return Optional.of(bundled(configured));
        }
        if (configured.length() < 20 || !configured.contains("{")) {
            throw new UserInputException("chat_template '" + configured + "' is neither 'auto', a bundled template ("
                    + String.join(", ", BUNDLED) + ") nor a Jinja template (at least 20 characters, with '{')");
        }
        return Optional.of(configured);
    }

    /**
     * The tokenizer files with the template applied: {@code tokenizer_config.json} gets {@code chat_template}
     * (other keys kept in order) and {@code chat_template.jinja} holds the same text.
     */
    public static Map<String, String> apply(String template, String tokenizerConfig) {
        ObjectNode config;
        try {
            JsonNode parsed = JSON.readTree(tokenizerConfig);
            if (!(parsed instanceof ObjectNode object)) {
                throw new UserInputException(CONFIG_FILE + " is not a JSON object");
            }
            config = object;
        } catch (IOException e) {
            throw new UserInputException(CONFIG_FILE + " is not valid JSON: " + e.getMessage(), e);
        }
        config.put("chat_template", template);
        Map<String, String> files = new LinkedHashMap<>();
        try {
            files.put(CONFIG_FILE, JSON.writeValueAsString(config) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.put(JINJA_FILE, template);
        return files;
    }

    /** The template a model's tokenizer carries: {@code chat_template.jinja}, else tokenizer_config's field. */
    static Optional<String> carriedBy(Path model) {
        try {
            return amalgam.model.lm.text.ChatTemplate.read(model).map(amalgam.model.lm.text.ChatTemplate::text)
                    .flatMap(ChatTemplate::nonBlank);
        } catch (UserInputException unreadable) {
            // mergekit logs a tokenizer it cannot load and goes on without it
            return Optional.empty();
        }
    }

    private static Optional<String> mostCommon(List<Path> models) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Path model : models) {
            carriedBy(model).ifPresent(template -> counts.merge(template, 1, Integer::sum));
        }
        String best = null;
        int bestCount = 0;
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            if (entry.getValue() > bestCount) {
                best = entry.getKey();
                bestCount = entry.getValue();
            }
        }
        return Optional.ofNullable(best);
    }

    private static Optional<String> nonBlank(String template) {
        String stripped = template.strip();
        return stripped.isEmpty() ? Optional.empty() : Optional.of(stripped);
    }

    private static String bundled(String name) {
        try (InputStream in = ChatTemplate.class.getResourceAsStream("/amalgam/chat-templates/" + name + ".jinja")) {
            if (in == null) {
                throw new IllegalStateException("bundled chat template '" + name + "' is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

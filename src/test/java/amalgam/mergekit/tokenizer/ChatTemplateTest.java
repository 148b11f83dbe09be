package amalgam.mergekit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "{% for m in messages %}A{{ m['content'] }}{% endfor %}";
    private static final String B = "{% for m in messages %}B{{ m['content'] }}{% endfor %}";

    @TempDir
    Path temp;

    @Test
    void noValueMeansNoTemplate() {
        assertEquals(Optional.empty(), ChatTemplate.resolve(null, List.of()));
        assertEquals(Optional.empty(), ChatTemplate.resolve("", List.of()));
    }

    @Test
    void everyBundledNameIsAJinjaTemplateOfItsFormat() {
        Map<String, String> markers = Map.of("chatml", "<|im_start|>", "llama3", "<|start_header_id|>",
                "alpaca", "### Instruction:", "mistral", "[INST]", "exaone", "[|endofturn|]");
        assertEquals(ChatTemplate.BUNDLED.stream().sorted().toList(), markers.keySet().stream().sorted().toList());
        for (String name : ChatTemplate.BUNDLED) {
            String template = ChatTemplate.resolve(name, List.of()).orElseThrow();
            assertTrue(template.contains("{% for message in ") && template.contains(markers.get(name)), name);
            assertEquals(template.strip(), template, name + " has no surrounding whitespace");
        }
    }

    @Test
    void aLiteralTemplateNeedsTwentyCharactersAndABrace() {
        String literal = "{{ messages[0]['content'] }}";
        assertEquals(Optional.of(literal), ChatTemplate.resolve(literal, List.of()));
        UserInputException shortOne = assertThrows(UserInputException.class, () -> ChatTemplate.resolve("{{ x }}", List.of()));
        assertTrue(shortOne.getMessage().contains("chat_template"), shortOne.getMessage());
        assertThrows(UserInputException.class, () -> ChatTemplate.resolve("no braces in this long sentence at all", List.of()));
        assertThrows(UserInputException.class, () -> ChatTemplate.resolve("chatml2", List.of()));
    }

    @Test
    void autoTakesTheTemplateMostModelsCarry() throws IOException {
        Path one = model("one", "\"chat_template\": " + JSON.writeValueAsString(B));
        Path two = model("two", "\"chat_template\": " + JSON.writeValueAsString("  " + A + "\n"));
        Path three = model("three", "\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}, {\"name\": \"default\", \"template\": "
                + JSON.writeValueAsString(A) + "}]");
        Path none = model("none", "\"bos_token\": \"<s>\"");
        // A is carried twice (stripped; once in the list form), B once
        assertEquals(Optional.of(A), ChatTemplate.resolve("auto", List.of(one, none, two, three)));
        // a tie goes to the model listed first
        assertEquals(Optional.of(B), ChatTemplate.resolve("auto", List.of(one, two)));
        assertEquals(Optional.of(A), ChatTemplate.resolve("auto", List.of(two, one)));
        assertEquals(Optional.empty(), ChatTemplate.resolve("auto", List.of(none, temp.resolve("missing"))));
    }

    @Test
    void aJinjaFileTakesPrecedenceOverTheConfigField() throws IOException {
        Path model = model("jinja", "\"chat_template\": " + JSON.writeValueAsString(B));
        Files.writeString(model.resolve("chat_template.jinja"), A + "\n");
        assertEquals(Optional.of(A), ChatTemplate.carriedBy(model));
    }

    @Test
    void applyingSetsTheConfigFieldKeepsTheOtherKeysAndWritesTheJinjaFile() throws IOException {
        String config = "{\"tokenizer_class\": \"PreTrainedTokenizerFast\", \"chat_template\": \"old\", \"eos_token\": \"</s>\"}";
        Map<String, String> files = ChatTemplate.apply(A, config);
        assertEquals(List.of("tokenizer_config.json", "chat_template.jinja"), List.copyOf(files.keySet()));
        JsonNode written = JSON.readTree(files.get("tokenizer_config.json"));
        assertEquals(List.of("tokenizer_class", "chat_template", "eos_token"), List.copyOf(iterable(written)));
        assertEquals(A, written.get("chat_template").asText());
        assertEquals("</s>", written.get("eos_token").asText());
        assertEquals(A, files.get("chat_template.jinja"));
        assertThrows(UserInputException.class, () -> ChatTemplate.apply(A, "[1, 2]"));
        assertThrows(UserInputException.class, () -> ChatTemplate.apply(A, "{not json"));
        assertFalse(files.get("tokenizer_config.json").isBlank());
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private Path model(String name, String configBody) throws IOException {
        Path directory = Files.createDirectories(temp.resolve(name));
        Files.writeString(directory.resolve("tokenizer_config.json"), "{" + configBody + "}");
        return directory;
    }
}

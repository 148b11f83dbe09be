package amalgam.model.lm.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chat templates render exactly as transformers renders them. The expected texts in {@code chat-templates/} were
 * rendered by Jinja2 3.1 in the environment transformers uses (a sandbox with {@code trim_blocks},
 * {@code lstrip_blocks}, loop controls and {@code raise_exception}); the four templates exercise what model templates
 * use: whitespace control, slicing, {@code loop} variables, {@code namespace}, filters, tests, Python string methods.
 */
class ChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"chatml", "inst", "header", "think"})
    void rendersAsJinja2(String name) throws Exception {
        Path model = model(name, resource(name + ".jinja"));
        ChatTemplate template = ChatTemplate.require(model);
        List<ChatTemplate.Message> messages = messages();
        assertEquals(resource(name + ".full.expected"), template.render(messages, true));
        assertEquals(resource(name + ".nosystem.expected"), template.render(messages.subList(1, 3), false));
    }

    /** The templates amalgam bundles for mergekit's {@code chat_template} option, rendered as Jinja2 renders them. */
    @ParameterizedTest
    @ValueSource(strings = {"alpaca", "chatml", "exaone", "llama3", "mistral"})
    void theBundledTemplatesRenderAsJinja2(String name) throws Exception {
        String text;
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/amalgam/chat-templates/" + name + ".jinja")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ChatTemplate template = ChatTemplate.require(model("bundled-" + name, text));
        List<ChatTemplate.Message> messages = messages();
        assertEquals(resource("bundled-" + name + ".full.expected"), template.render(messages, true));
        assertEquals(resource("bundled-" + name + ".nosystem.expected"), template.render(messages.subList(1, 3), false));
    }

    @Test
    void theTemplatesOwnErrorIsBadInputWithItsMessage() throws Exception {
        ChatTemplate template = ChatTemplate.require(model("inst", resource("inst.jinja")));
        List<ChatTemplate.Message> twoUsers = List.of(new ChatTemplate.Message("user", "a"), new ChatTemplate.Message("user", "b"));
        UserInputException error = assertThrows(UserInputException.class, () -> template.render(twoUsers, true));
        assertTrue(error.getMessage().contains("turns must alternate user and assistant"), error.getMessage());
    }

    @Test
    void aBrokenOrRunawayTemplateIsBadInput() throws Exception {
        for (String broken : List.of("{% for m in messages %}{{ m.content }}", "{{ messages[0]['content'] + }}",
                "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}xxxxxxxx{% endfor %}{% endfor %}{% endfor %}")) {
            ChatTemplate template = ChatTemplate.require(model("broken" + broken.length(), broken));
            assertThrows(UserInputException.class, () -> template.render(messages(), true), broken);
        }
    }

    @Test
    void theTemplateComesFromItsFileThenTheConfigsDefaultEntry() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("named"));
        ObjectNode config = JSON.createObjectNode();
        config.putObject("bos_token").put("__type", "AddedToken").put("content", "<B>");
        config.putArray("chat_template").addObject().put("name", "tool_use").put("template", "tools");
        ((com.fasterxml.jackson.databind.node.ArrayNode) config.get("chat_template")).addObject().put("name", "default")
                .put("template", "{{ bos_token }}{{ messages[0]['content'] }}");
        Files.writeString(folder.resolve("tokenizer_config.json"), config.toString());
        assertEquals("<B>hi", ChatTemplate.require(folder).renderPrompt(null, "hi"), "the default entry; an AddedToken's content");
        Files.writeString(folder.resolve("chat_template.jinja"), "[{{ messages | length }}]");
        assertEquals("[2]", ChatTemplate.require(folder).renderPrompt("sys", "hi"), "chat_template.jinja comes first");

        Path none = Files.createDirectories(temp.resolve("none"));
        assertTrue(ChatTemplate.read(none).isEmpty());
        Files.writeString(none.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}");
        assertThrows(UserInputException.class, () -> ChatTemplate.read(none));
        Files.writeString(none.resolve("tokenizer_config.json"), "{not json");
        assertThrows(UserInputException.class, () -> ChatTemplate.read(none));
    }

    @Test
    void strftimeTakesPythonsDirectives() {
        LocalDateTime time = LocalDateTime.of(2024, 7, 26, 14, 5, 9);
        assertEquals("26 Jul 2024", ChatTemplate.strftime(time, "%d %b %Y"));
        assertEquals("Friday, July 26 14:05:09 100%", ChatTemplate.strftime(time, "%A, %B %d %H:%M:%S 100%%"));
    }

    private Path model(String name, String template) throws IOException {
        Path folder = Files.createDirectories(temp.resolve(name));
        ObjectNode config = JSON.createObjectNode();
        config.put("bos_token", "<s>");
        config.putObject("eos_token").put("content", "</s>").put("special", true);
        config.put("chat_template", template);
        Files.writeString(folder.resolve("tokenizer_config.json"), config.toString());
        return folder;
    }

    private static List<ChatTemplate.Message> messages() throws IOException {
        List<ChatTemplate.Message> messages = new ArrayList<>();
        for (JsonNode message : JSON.readTree(resource("messages.json"))) {
            messages.add(new ChatTemplate.Message(message.get("role").asText(), message.get("content").asText()));
        }
        return messages;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/chat-templates/" + name)) {
            if (in == null) {
                throw new IOException("no test resource chat-templates/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

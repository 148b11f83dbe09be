package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.mergekit.tokenizer.ChatTemplate;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chat_template} end to end on copies of the fixture Llama models: the written tokenizer carries the chosen
 * template (in tokenizer_config.json and chat_template.jinja), everything else of the donor's tokenizer unchanged.
 */
class ChatTemplateCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MATH_TEMPLATE = "{% for message in messages %}math: {{ message['content'] }}{% endfor %}";
    private static final String CODE_TEMPLATE = "{% for message in messages %}code: {{ message['content'] }}{% endfor %}";

    @TempDir
    Path temp;
    private Path base;
    private Path math;
    private Path code;

    @BeforeEach
    void models() throws IOException {
        Path llama = Fixtures.mergeTiny().resolve("llama");
        base = copyModel(llama.resolve("base"), temp.resolve("base"));
        math = copyModel(llama.resolve("math"), temp.resolve("math"));
        code = copyModel(llama.resolve("code"), temp.resolve("code"));
    }

    @Test
    void aBundledTemplateGoesIntoTheCopiedTokenizer() throws IOException {
        Path out = merge("chat_template: chatml\n");
        String chatml = ChatTemplate.resolve("chatml", List.of()).orElseThrow();
        assertTemplate(out, chatml);
        assertArrayEquals(Files.readAllBytes(base.resolve("tokenizer.json")), Files.readAllBytes(out.resolve("tokenizer.json")));
        JsonNode donor = JSON.readTree(base.resolve("tokenizer_config.json").toFile());
        ObjectNode written = (ObjectNode) JSON.readTree(out.resolve("tokenizer_config.json").toFile());
        written.remove("chat_template");
        assertEquals(donor, written, "the donor's other tokenizer settings are kept");
    }

    @Test
    void autoPicksTheTemplateMostModelsCarry() throws IOException {
        setTemplate(math, MATH_TEMPLATE);
        setTemplate(code, CODE_TEMPLATE);
        setTemplate(base, CODE_TEMPLATE);
        assertTemplate(merge("chat_template: auto\n"), CODE_TEMPLATE);
    }

    @Test
    void autoBreaksTiesByConfigOrder() throws IOException {
        setTemplate(math, MATH_TEMPLATE);
        setTemplate(code, CODE_TEMPLATE);
        assertTemplate(merge("chat_template: auto\n"), MATH_TEMPLATE);
    }

    @Test
    void autoWithoutTemplatesCopiesTheTokenizerAsItIs() throws IOException {
        Path out = merge("chat_template: auto\n");
        assertArrayEquals(Files.readAllBytes(base.resolve("tokenizer_config.json")),
                Files.readAllBytes(out.resolve("tokenizer_config.json")));
        assertFalse(Files.exists(out.resolve("chat_template.jinja")));
    }

    @Test
    void aLiteralTemplateIsUsedVerbatim() throws IOException {
        assertTemplate(merge("chat_template: " + JSON.writeValueAsString(MATH_TEMPLATE) + "\n"), MATH_TEMPLATE);
    }

    @Test
    void anInvalidTemplateFailsBeforeAnythingIsWritten() throws IOException {
        Path config = config("chat_template: short\n");
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("merge", config.toString(), out.toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("chat_template 'short'"), result.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void withoutATokenizerTheTemplateIsNotSavedAndAWarningSaysSo() throws IOException {
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("merge", config("chat_template: chatml\n").toString(), out.toString(), "--no-copy-tokenizer");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.err().contains("chat_template is set but no tokenizer is written"), result.err());
        assertFalse(Files.exists(out.resolve("tokenizer_config.json")));
        assertFalse(Files.exists(out.resolve("chat_template.jinja")));
    }

    @Test
    void aBuiltTokenizerCarriesTheTemplate() throws IOException {
        Path out = merge("tokenizer_source: base\nchat_template: llama3\n");
        assertTemplate(out, ChatTemplate.resolve("llama3", List.of()).orElseThrow());
        assertTrue(Files.exists(out.resolve("tokenizer.json")));
    }

    private Path merge(String extra) throws IOException {
        Path out = temp.resolve("out");
        CliRunner result = CliRunner.run("merge", config(extra).toString(), out.toString());
        assertEquals(0, result.exitCode(), result.err());
        return out;
    }

    private Path config(String extra) throws IOException {
        return Files.writeString(temp.resolve("merge.yml"), "merge_method: task_arithmetic\nbase_model: " + base + "\nmodels:\n  - model: "
                + math + "\n    parameters:\n      weight: 0.5\n  - model: " + code + "\n    parameters:\n      weight: 0.5\n"
                + "dtype: float32\n" + extra);
    }

    private static void assertTemplate(Path out, String template) throws IOException {
        assertEquals(template, JSON.readTree(out.resolve("tokenizer_config.json").toFile()).get("chat_template").asText());
        assertEquals(template, Files.readString(out.resolve("chat_template.jinja")));
    }

    private static void setTemplate(Path model, String template) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(model.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", template);
        Files.writeString(model.resolve("tokenizer_config.json"), config.toString());
    }

    private static Path copyModel(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }
}

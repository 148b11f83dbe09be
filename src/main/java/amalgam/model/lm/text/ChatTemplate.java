package amalgam.model.lm.text;

import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import amalgam.io.ConfigFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template, rendered as transformers' {@code apply_chat_template} renders it: the Jinja template of
 * {@code chat_template.jinja}, else of {@code tokenizer_config.json}'s {@code chat_template} (a string, or a list of
 * named templates of which {@code default} is taken), with blocks trimmed and left-stripped, {@code raise_exception}
 * and {@code strftime_now} defined, and the tokenizer's special tokens ({@code bos_token}, {@code eos_token}, ...) as
 * variables. The rendered text already holds the special tokens the template writes, so it is tokenized without
 * adding any. Rendered by Jinjava, with the Python string methods templates call ({@link PythonStringMethods}).
 */
public final class ChatTemplate {
    /** One message of a conversation. */
    public record Message(String role, String content) {
    }

    static final String TEMPLATE_FILE = "chat_template.jinja";
    static final String CONFIG_FILE = "tokenizer_config.json";
    private static final long MAX_OUTPUT_CHARS = 16L << 20;
    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
            "cls_token", "mask_token");

    /** {@code {% for TARGET in ITEMS if CONDITION %}} with its whitespace control marks. */
    private static final Pattern FILTERED_LOOP = Pattern.compile(
            "\\{%([-+]?)\\s*for\\s+((?:(?!%\\}).)+?)\\s+in\\s+((?:(?!%\\}).)+?)\\s+if\\s+((?:(?!%\\}).)+?)\\s*([-+]?)%\\}",
            Pattern.DOTALL);

    private final String template;
    private final Map<String, String> specialTokens;
    private final Path source;
    /** Built on the first render and reused: a generation task renders one prompt per item. */
    private Jinjava engine;
    private String renderable;

    ChatTemplate(String template, Map<String, String> specialTokens, Path source) {
        this.template = template;
        this.specialTokens = Map.copyOf(specialTokens);
        this.source = source;
    }

    /** The template of the model in {@code modelFolder}, or empty when it has none. */
    public static Optional<ChatTemplate> read(Path modelFolder) {
        Path config = modelFolder.resolve(CONFIG_FILE);
        JsonNode root = Files.isRegularFile(config) ? json(config) : null;
        Map<String, String> specialTokens = new LinkedHashMap<>();
        if (root != null) {
            for (String name : SPECIAL_TOKENS) {
                tokenText(root.get(name)).ifPresent(text -> specialTokens.put(name, text));
            }
        }
        Path file = modelFolder.resolve(TEMPLATE_FILE);
        if (Files.isRegularFile(file)) {
            return Optional.of(new ChatTemplate(text(file, "chat template"), specialTokens, file));
        }
        if (root == null || root.path("chat_template").isMissingNode() || root.get("chat_template").isNull()) {
            return Optional.empty();
        }
        JsonNode chat = root.get("chat_template");
        if (chat.isTextual()) {
            return Optional.of(new ChatTemplate(chat.textValue(), specialTokens, config));
        }
        if (chat.isArray()) {
            for (JsonNode named : chat) {
                if ("default".equals(named.path("name").asText(null)) && named.path("template").isTextual()) {
                    return Optional.of(new ChatTemplate(named.get("template").textValue(), specialTokens, config));
                }
            }
            throw new UserInputException("'" + config + "': chat_template lists named templates but none named 'default'");
        }
        throw new UserInputException("'" + config + "': chat_template must be a string or a list of {name, template}");
    }

    /** The template's Jinja text. */
    public String text() {
        return template;
    }

    /** The template of the model in {@code modelFolder}; bad input when it has none. */
    public static ChatTemplate require(Path modelFolder) {
        return read(modelFolder).orElseThrow(() -> new UserInputException("model '" + modelFolder + "' has no chat template (no "
                + TEMPLATE_FILE + ", no chat_template in " + CONFIG_FILE + ")"));
    }

    /** The conversation as the template writes it; with {@code addGenerationPrompt} the assistant's turn is opened. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> conversation = new ArrayList<>();
        for (Message message : messages) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("role", message.role());
            entry.put("content", message.content());
            conversation.add(entry);
        }
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        context.put("messages", conversation);
        context.put("add_generation_prompt", addGenerationPrompt);
        if (engine == null) {
            renderable = withLoopFiltersUnrolled(template);
            engine = engine();
        }
        RenderResult result = engine.renderForResult(renderable, context);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new UserInputException("the chat template of '" + source + "' failed: " + message(error));
            }
        }
        return result.getOutput();
    }

    /** The conversation of one user message (after a system message, if given), ready for the assistant's answer. */
    public String renderPrompt(String system, String user) {
        List<Message> messages = new ArrayList<>();
        if (system != null) {
            messages.add(new Message("system", system));
        }
        messages.add(new Message("user", user));
        return render(messages, true);
    }

    /**
     * Jinja2's filtered loops, {@code {% for x in items if cond %}}, which Jinjava would run unfiltered, as a loop over
     * the items kept: {@code loop.index}, {@code loop.last} and the rest count the kept items, as in Jinja2. The
     * statements added write nothing, and the tag's own whitespace control stays on its ends.
     */
    static String withLoopFiltersUnrolled(String template) {
        Matcher loop = FILTERED_LOOP.matcher(template);
        StringBuilder text = new StringBuilder();
        int count = 0;
        while (loop.find()) {
            String open = loop.group(1);
            String target = loop.group(2);
            String kept = "__amalgam_kept_" + count++;
            if (!target.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new UserInputException("chat template: a filtered loop over '" + target + "' (several names) is not supported");
            }
            String replacement = "{%" + open + " set " + kept + " = [] %}{% for " + target + " in " + loop.group(3) + " %}{% if "
                    + loop.group(4) + " %}{% do " + kept + ".append(" + target + ") %}{% endif %}{% endfor %}{% for " + target
                    + " in " + kept + " " + loop.group(5) + "%}";
            loop.appendReplacement(text, Matcher.quoteReplacement(replacement));
        }
        loop.appendTail(text);
        return text.toString();
    }

    private static String message(TemplateError error) {
        Throwable cause = error.getException();
        while (cause != null) {
            if (cause instanceof TemplateException raised) {
                return raised.getMessage();
            }
            cause = cause.getCause();
        }
        String text = String.valueOf(error.getMessage());
        int raised = text.indexOf(TemplateException.PREFIX);
        return raised >= 0 ? text.substring(raised + TemplateException.PREFIX.length()) : text;
    }

    private static Jinjava engine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        // Jinja2's semantics where Jinjava's defaults differ: {{- -}} trim, map keys are expressions, precedence, None in loops
        LegacyOverrides jinja = LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true)
                .withParseWhitespaceControlStrictly(true).withEvaluateMapKeys(true).withUseNaturalOperatorPrecedence(true)
                .withKeepNullableLoopValues(true).withUsePyishObjectMapper(true).build();
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).withElResolver(resolver)
                .withLegacyOverrides(jinja).withMaxOutputSize(MAX_OUTPUT_CHARS).withFailOnUnknownTokens(false).build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class,
                "strftimeNow", String.class));
        return jinjava;
    }

    /** The template's own error ({@code raise_exception(message)}), which ends the rendering. */
    static final class TemplateException extends RuntimeException {
        static final String PREFIX = "chat template error: ";

        TemplateException(String message) {
            super(PREFIX + message);
        }

        @Override
        public String getMessage() {
            return super.getMessage().substring(PREFIX.length());
        }
    }

    /** transformers' {@code raise_exception}. */
    public static String raiseException(String message) {
        throw new TemplateException(message);
    }

    /** transformers' {@code strftime_now}: the local time in a Python strftime format (the common directives). */
    public static String strftimeNow(String format) {
        return strftime(LocalDateTime.now(), format);
    }

    static String strftime(LocalDateTime time, String format) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                text.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            String pattern = switch (directive) {
                case 'd' -> "dd";
                case 'm' -> "MM";
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'b' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'H' -> "HH";
                case 'I' -> "hh";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'p' -> "a";
                case 'j' -> "DDD";
                default -> null;
            };
            if (directive == '%') {
                text.append('%');
            } else if (pattern == null) {
                text.append('%').append(directive);
            } else {
                text.append(DateTimeFormatter.ofPattern(pattern, Locale.US).format(time));
            }
        }
        return text.toString();
    }

    /** A special token as tokenizer_config.json gives it: its text, or an AddedToken object with its content. */
    private static Optional<String> tokenText(JsonNode token) {
        if (token == null || token.isNull()) {
            return Optional.empty();
        }
        if (token.isTextual()) {
            return Optional.of(token.textValue());
        }
        return token.path("content").isTextual() ? Optional.of(token.get("content").textValue()) : Optional.empty();
    }

    private static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(text(file, "tokenizer config"));
        } catch (IOException e) {
            throw new UserInputException("cannot read '" + file + "' (not JSON?): " + e.getMessage(), e);
        }
    }

    private static String text(Path file, String what) {
        return new String(ConfigFiles.readBytes(CacheLinks.resolve(file), what, ConfigFiles.MAX_TOKENIZER_BYTES), StandardCharsets.UTF_8);
    }
}

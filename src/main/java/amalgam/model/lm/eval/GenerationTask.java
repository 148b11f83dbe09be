package amalgam.model.lm.eval;

import amalgam.UserInputException;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.TextGenerator;
import amalgam.model.lm.text.ChatTemplate;
import amalgam.model.lm.text.HfTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Short-answer generation scored by exact match: each item's prompt (with the tokenizer's special tokens unless told
 * otherwise) is continued greedily, at most {@code maxNewTokens} tokens, ending at an end-of-sequence id or as soon as
 * the text holds a stop string; the text before the first stop string, stripped of surrounding whitespace, must equal
 * the answer, also stripped. Items: JSON lines {@code {"prompt": "...", "answer": "..."}}. Reports
 * {@code exact_match} and {@code items}.
 *
 * @param stop strings that end an answer (default: a newline)
 * @param chat each prompt is a user message in the chat template of the tokenizer's model folder, the assistant's turn
 *             opened (transformers' {@code apply_chat_template}); its text is encoded without adding special tokens
 */
public record GenerationTask(String name, Path file, Integer limit, int maxNewTokens, List<String> stop, boolean addSpecialTokens,
                             boolean chat) implements LmTask {
    /** One item: the prompt and the expected answer. */
    record Item(String prompt, String answer) {
    }

    public GenerationTask {
        stop = List.copyOf(stop);
        if (maxNewTokens < 1) {
            throw new UserInputException("generation task '" + name + "': max_new_tokens must be at least 1, got " + maxNewTokens);
        }
        if (limit != null && limit < 1) {
            throw new UserInputException("generation task '" + name + "': limit must be at least 1, got " + limit);
        }
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new UserInputException("generation task '" + name + "': a stop string is empty");
        }
    }

    @Override
    public List<Path> inputs() {
        return List.of(file);
    }

    @Override
    public LmTask firstItems(int items) {
        return new GenerationTask(name, file, limit == null ? items : Math.min(limit, items), maxNewTokens, stop, addSpecialTokens,
                chat);
    }

    @Override
    public SequencedMap<String, Double> evaluate(LoadedLanguageModel model, HfTokenizer tokenizer) {
        List<Item> items = JsonLines.read(file, limit, "generation task '" + name + "'", GenerationTask::item);
        ChatTemplate template = chat ? ChatTemplate.require(tokenizer.file().toAbsolutePath().getParent()) : null;
        int matched = 0;
        try (TextGenerator generator = TextGenerator.over(model)) {
            for (Item item : items) {
                String prompt = template == null ? item.prompt() : template.renderPrompt(null, item.prompt());
                matched += answer(generator, tokenizer, prompt).equals(item.answer().strip()) ? 1 : 0;
            }
        }
        SequencedMap<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("exact_match", (double) matched / items.size());
        metrics.put("items", (double) items.size());
        return metrics;
    }

    /** The greedy continuation of {@code prompt} up to the first stop string, stripped. */
    String answer(TextGenerator generator, HfTokenizer tokenizer, String prompt) {
        long[] ids = tokenizer.encode(prompt, addSpecialTokens && !chat);
        List<Long> generated = new ArrayList<>();
        generator.generateWhile(ids, new TextGenerator.Settings(maxNewTokens, 0, 0), id -> {
            generated.add(id);
            return cut(tokenizer.decode(generated.stream().mapToLong(Long::longValue).toArray(), true)) == null;
        });
        String text = tokenizer.decode(generated.stream().mapToLong(Long::longValue).toArray(), true);
        String cut = cut(text);
        return (cut != null ? cut : text).strip();
    }

    /** The text before the first stop string, or null when it holds none. */
    private String cut(String text) {
        int first = -1;
        for (String end : stop) {
            int at = text.indexOf(end);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first < 0 ? null : text.substring(0, first);
    }

    private static Item item(JsonNode node, String where) {
        if (node == null || !node.isObject() || !node.path("prompt").isTextual() || !node.path("answer").isTextual()) {
            throw new UserInputException(where + ": an item is {\"prompt\": text, \"answer\": text}");
        }
        return new Item(node.get("prompt").textValue(), node.get("answer").textValue());
    }
}

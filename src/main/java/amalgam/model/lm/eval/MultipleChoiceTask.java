package amalgam.model.lm.eval;

import amalgam.UserInputException;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.SpecialTokenIds;
import amalgam.model.lm.text.HfTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Multiple choice by log-likelihood, as lm-evaluation-harness scores it: each choice is the continuation
 * {@code targetDelimiter + choice} of the item's context; its log-likelihood is the sum of its tokens' log-probabilities
 * given everything before them. The context and continuation are tokenized as the harness does (the context's
 * trailing spaces move to the continuation; the continuation's tokens are those of context + continuation after the
 * context's; no special tokens; an empty context is the BOS token, else EOS). {@code acc}: the most likely choice is
 * gold; {@code acc_norm}: the same with each log-likelihood divided by its choice's length in characters (ties: the
 * first). Items: JSON lines {@code {"context": "...", "choices": ["...", ...], "gold": 0}}.
 *
 * @param limit only the first {@code limit} items (null: all)
 */
public record MultipleChoiceTask(String name, Path file, Integer limit, String targetDelimiter) implements LmTask {
    /** One item: the context, its choices, the index of the right one. */
    record Item(String context, List<String> choices, int gold) {
    }

    public MultipleChoiceTask {
        if (limit != null && limit < 1) {
            throw new UserInputException("multiple-choice task '" + name + "': limit must be at least 1, got " + limit);
        }
    }

    @Override
    public List<Path> inputs() {
        return List.of(file);
    }

    @Override
    public LmTask firstItems(int items) {
        return new MultipleChoiceTask(name, file, limit == null ? items : Math.min(limit, items), targetDelimiter);
    }

    @Override
    public SequencedMap<String, Double> evaluate(LoadedLanguageModel model, HfTokenizer tokenizer) {
        List<Item> items = JsonLines.read(file, limit, "multiple-choice task '" + name + "'", MultipleChoiceTask::item);
        Long prefix = SpecialTokenIds.read(model.folder()).prefix();
        int correct = 0;
        int correctNormalised = 0;
        for (Item item : items) {
            double[] likelihoods = new double[item.choices().size()];
            double[] normalised = new double[likelihoods.length];
            for (int c = 0; c < likelihoods.length; c++) {
                likelihoods[c] = logLikelihood(model, tokenizer, prefix, item.context(), targetDelimiter + item.choices().get(c));
                normalised[c] = likelihoods[c] / item.choices().get(c).length();
            }
            correct += argmax(likelihoods) == item.gold() ? 1 : 0;
            correctNormalised += argmax(normalised) == item.gold() ? 1 : 0;
        }
        SequencedMap<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("acc", (double) correct / items.size());
        metrics.put("acc_norm", (double) correctNormalised / items.size());
        metrics.put("items", (double) items.size());
        return metrics;
    }

    /**
     * The summed log-probability of {@code continuation}'s tokens after {@code context}; {@code prefix} stands for an
     * empty context (the model's BOS, else EOS; null when it has neither).
     */
    double logLikelihood(LoadedLanguageModel model, HfTokenizer tokenizer, Long prefix, String context, String continuation) {
        int spaces = context.length() - context.stripTrailing().length();
        if (spaces > 0) {
            continuation = context.substring(context.length() - spaces) + continuation;
            context = context.substring(0, context.length() - spaces);
        }
        long[] contextIds;
        long[] continuationIds;
        if (context.isEmpty()) {
            if (prefix == null) {
                throw new UserInputException("multiple-choice task '" + name + "': an item has an empty context, and the model's"
                        + " config names no BOS or EOS token to stand for it");
            }
            contextIds = new long[] {prefix};
            continuationIds = tokenizer.encode(continuation, false);
        } else {
            long[] whole = tokenizer.encode(context + continuation, false);
            contextIds = tokenizer.encode(context, false);
            continuationIds = Arrays.copyOfRange(whole, Math.min(contextIds.length, whole.length), whole.length);
        }
        if (continuationIds.length == 0) {
            throw new UserInputException("multiple-choice task '" + name + "': a choice has no tokens after its context");
        }
        long[] sequence = new long[contextIds.length + continuationIds.length];
        System.arraycopy(contextIds, 0, sequence, 0, contextIds.length);
        System.arraycopy(continuationIds, 0, sequence, contextIds.length, continuationIds.length);
        // the model reads all but the last token, at most its positions, cut from the left (as the harness)
        int inputLength = Math.min(sequence.length - 1, model.config().maxPositions());
        int from = sequence.length - 1 - inputLength;
        double[] next = model.nextTokenLogProbs(sequence, from, inputLength);
        double sum = 0;
        for (int k = 0; k < continuationIds.length; k++) {
            int target = sequence.length - continuationIds.length + k; // index in sequence
            int row = target - 1 - from;
            if (row < 0) {
                throw new UserInputException("multiple-choice task '" + name + "': a choice is longer than the model's positions");
            }
            sum += next[row];
        }
        return sum;
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static Item item(JsonNode node, String where) {
        if (node == null || !node.isObject() || !node.path("context").isTextual() || !node.path("choices").isArray()
                || !node.path("gold").isIntegralNumber()) {
            throw new UserInputException(where + ": an item is {\"context\": text, \"choices\": [text, ...], \"gold\": index}");
        }
        List<String> choices = new ArrayList<>();
        for (JsonNode choice : node.get("choices")) {
            if (!choice.isTextual() || choice.textValue().isEmpty()) {
                throw new UserInputException(where + ": every choice must be a non-empty string");
            }
            choices.add(choice.textValue());
        }
        int gold = node.get("gold").intValue();
        if (choices.size() < 2 || gold < 0 || gold >= choices.size()) {
            throw new UserInputException(where + ": needs at least 2 choices and gold in [0, " + choices.size() + "), got gold " + gold);
        }
        return new Item(node.get("context").textValue(), choices, gold);
    }
}

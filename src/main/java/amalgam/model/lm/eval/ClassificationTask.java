package amalgam.model.lm.eval;

import amalgam.UserInputException;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.text.HfTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Sequence classification accuracy and mean cross-entropy loss (FusionBench's GPT-2 GLUE metrics; its loss is the mean
 * over batches, here each item is its own batch) with a sequence classifier
 * (GPT2ForSequenceClassification): each item's text — a sentence pair joined by {@code pairSeparator} — is tokenized
 * (with the tokenizer's special tokens unless told otherwise) and scored alone, pooled at its last token; the label
 * with the highest score (the first on ties) must be the item's. Items: JSON lines
 * {@code {"text": "...", "label": 0}} or {@code {"text": "...", "text_pair": "...", "label": 1}}.
 */
public record ClassificationTask(String name, Path file, Integer limit, String pairSeparator, boolean addSpecialTokens)
        implements LmTask {
    /** One item. */
    record Item(String text, int label) {
    }

    public ClassificationTask {
        if (limit != null && limit < 1) {
            throw new UserInputException("classification task '" + name + "': limit must be at least 1, got " + limit);
        }
    }

    @Override
    public List<Path> inputs() {
        return List.of(file);
    }

    @Override
    public LmTask firstItems(int items) {
        return new ClassificationTask(name, file, limit == null ? items : Math.min(limit, items), pairSeparator, addSpecialTokens);
    }

    @Override
    public SequencedMap<String, Double> evaluate(LoadedLanguageModel model, HfTokenizer tokenizer) {
        if (!model.classifies()) {
            throw new UserInputException("classification task '" + name + "' needs a sequence classifier"
                    + " (GPT2ForSequenceClassification); '" + model.folder() + "' is a causal language model");
        }
        int labels = model.config().outputs();
        List<Item> items = JsonLines.read(file, limit, "classification task '" + name + "'", this::item);
        int correct = 0;
        double loss = 0;
        for (Item item : items) {
            if (item.label() >= labels) {
                throw new UserInputException("classification task '" + name + "': label " + item.label() + " but the model has "
                        + labels + " labels");
            }
            long[] ids = tokenizer.encode(item.text(), addSpecialTokens);
            if (ids.length == 0) {
                throw new UserInputException("classification task '" + name + "': an item's text has no tokens");
            }
            float[] scores = model.classify(ids);
            int best = 0;
            for (int label = 1; label < scores.length; label++) {
                if (scores[label] > scores[best]) {
                    best = label;
                }
            }
            correct += best == item.label() ? 1 : 0;
            loss += crossEntropy(scores, item.label());
        }
        SequencedMap<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", (double) correct / items.size());
        metrics.put("loss", loss / items.size());
        metrics.put("items", (double) items.size());
        return metrics;
    }

    /** −log softmax(scores)[label], computed in double from the largest score down (no overflow). */
    static double crossEntropy(float[] scores, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (float score : scores) {
            max = Math.max(max, score);
        }
        double sum = 0;
        for (float score : scores) {
            sum += Math.exp(score - max);
        }
        return max + Math.log(sum) - scores[label];
    }

    private Item item(JsonNode node, String where) {
        if (node == null || !node.isObject() || !node.path("text").isTextual() || !node.path("label").isIntegralNumber()
                || node.get("label").intValue() < 0 || (node.has("text_pair") && !node.get("text_pair").isTextual())) {
            throw new UserInputException(where + ": an item is {\"text\": text, \"label\": index >= 0} with an optional \"text_pair\"");
        }
        String text = node.get("text").textValue();
        if (node.has("text_pair")) {
            text = text + pairSeparator + node.get("text_pair").textValue();
        }
        return new Item(text, node.get("label").intValue());
    }
}

package amalgam.model.lm.eval;

import amalgam.UserInputException;
import amalgam.model.lm.LmBatch;
import amalgam.nn.ClassScores;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.text.HfTokenizer;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Sequence classification as FusionBench's GPT-2 GLUE task pool scores it, with a sequence classifier
 * (GPT2ForSequenceClassification): each item (from a JSON-lines file or a cached GLUE split, {@link ClassificationItems})
 * is tokenized (with the tokenizer's special tokens unless told otherwise;
 * a sentence pair as the tokenizer encodes a pair, or joined by {@code pairSeparator} when one is given), cut to
 * {@code maxLength} tokens, and scored pooled at its last token — what right padding to a fixed length gives, since
 * causal attention never reads the padding. {@code accuracy}: the highest-scoring label (the first on ties) is the
 * item's; {@code loss}: FusionBench's MeanMetric of batch-mean cross-entropies over batches of {@code batchSize}
 * items (a final partial batch counts as much as a full one).
 *
 * @param pairSeparator null: a pair is encoded as a pair; else the texts joined by it and encoded as one
 * @param maxLength     at most this many tokens of an item, the first ones (null: the model's positions)
 * @param batchSize     items per batch of the loss's mean (FusionBench's GPT-2 task pool: 8)
 * @param test          the items scored
 * @param train         the task's train items, which data-dependent merging methods read; null: none
 */
public record ClassificationTask(String name, ClassificationItems test, Integer limit, String pairSeparator, boolean addSpecialTokens,
                                 Integer maxLength, int batchSize, ClassificationItems train) implements LmTask {
    /** Items per batch in FusionBench's GPT-2 GLUE task pool. */
    public static final int DEFAULT_BATCH_SIZE = 8;

    /** One item: a text, perhaps a second text of a pair, its label. */
    public record Item(String text, String pair, int label) {
    }

    public ClassificationTask {
        if (limit != null && limit < 1) {
            throw new UserInputException("classification task '" + name + "': limit must be at least 1, got " + limit);
        }
        if (maxLength != null && maxLength < 1) {
            throw new UserInputException("classification task '" + name + "': max_length must be at least 1, got " + maxLength);
        }
        if (batchSize < 1) {
            throw new UserInputException("classification task '" + name + "': batch_size must be at least 1, got " + batchSize);
        }
    }

    @Override
    public List<Path> inputs() {
        List<Path> files = new java.util.ArrayList<>(test.files());
        if (train != null) {
            files.addAll(train.files());
        }
        return files;
    }

    @Override
    public LmTask firstItems(int items) {
        return new ClassificationTask(name, test, limit == null ? items : Math.min(limit, items), pairSeparator, addSpecialTokens,
                maxLength, batchSize, train);
    }

    /** The test items (the first {@code limit}), in order. */
    public List<Item> testItems() {
        return test.read(limit, "classification task '" + name + "'");
    }

    /** This task with {@code items} as its train items. */
    public ClassificationTask withTrain(ClassificationItems items) {
        return new ClassificationTask(name, test, limit, pairSeparator, addSpecialTokens, maxLength, batchSize, items);
    }

    /** The train items, in file order; bad input when the task has none. */
    public List<Item> trainItems() {
        if (train == null) {
            throw new UserInputException("classification task '" + name + "' has no train items ('train: FILE' in the task pool);"
                    + " data-dependent methods read each task model's train items");
        }
        return train.read(null, "classification task '" + name + "', train items");
    }

    /**
     * Items {@code indices} as one batch the way FusionBench's GLUE loader builds it ({@code padding="max_length"}):
     * each tokenized as evaluation tokenizes it, cut to {@code length}, then padded on the right with {@code padId} to
     * {@code length} (attention mask 0 there).
     */
    public LmBatch paddedBatch(List<Item> items, int[] indices, HfTokenizer tokenizer, long padId, int length, Arena arena) {
        Tensor ids = Tensor.allocate(arena, DType.I64, Shape.of(indices.length, length));
        Tensor mask = Tensor.allocate(arena, DType.I64, Shape.of(indices.length, length));
        for (int row = 0; row < indices.length; row++) {
            long[] tokens = tokens(items.get(indices[row]), tokenizer, length);
            for (int position = 0; position < length; position++) {
                boolean real = position < tokens.length;
                ids.data().setAtIndex(Layouts.I64, (long) row * length + position, real ? tokens[position] : padId);
                mask.data().setAtIndex(Layouts.I64, (long) row * length + position, real ? 1 : 0);
            }
        }
        return new LmBatch(ids, mask);
    }

    /** The tokens an item is cut to: {@code maxLength}, at most the model's {@code positions}. */
    public int length(int positions) {
        return Math.min(maxLength == null ? positions : maxLength, positions);
    }

    @Override
    public SequencedMap<String, Double> evaluate(LoadedLanguageModel model, HfTokenizer tokenizer) {
        if (!model.classifies()) {
            throw new UserInputException("classification task '" + name + "' needs a sequence classifier"
                    + " (GPT2ForSequenceClassification); '" + model.folder() + "' is a causal language model");
        }
        int labels = model.config().outputs();
        List<Item> items = testItems();
        int correct = 0;
        double batchLosses = 0;
        double batchLoss = 0;
        int batches = 0;
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            if (item.label() >= labels) {
                throw new UserInputException("classification task '" + name + "': label " + item.label() + " but the model has "
                        + labels + " labels");
            }
            float[] scores = model.classify(tokens(item, tokenizer, model.config().maxPositions()));
            correct += ClassScores.argMax(scores) == item.label() ? 1 : 0;
            batchLoss += ClassScores.crossEntropy(scores, item.label());
            boolean batchEnds = (i + 1) % batchSize == 0 || i + 1 == items.size();
            if (batchEnds) {
                int inBatch = i % batchSize + 1;
                batchLosses += batchLoss / inBatch;
                batchLoss = 0;
                batches++;
            }
        }
        SequencedMap<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", (double) correct / items.size());
        metrics.put("loss", batchLosses / batches);
        metrics.put("items", (double) items.size());
        return metrics;
    }

    /** The item's ids, cut to {@code maxLength} (and the model's positions). */
    long[] tokens(Item item, HfTokenizer tokenizer, int positions) {
        long[] ids;
        if (item.pair() == null) {
            ids = tokenizer.encode(item.text(), addSpecialTokens);
        } else if (pairSeparator != null) {
            ids = tokenizer.encode(item.text() + pairSeparator + item.pair(), addSpecialTokens);
        } else {
            ids = tokenizer.encodePair(item.text(), item.pair(), addSpecialTokens);
        }
        if (ids.length == 0) {
            throw new UserInputException("classification task '" + name + "': an item's text has no tokens");
        }
        int keep = length(positions);
        return ids.length > keep ? Arrays.copyOf(ids, keep) : ids;
    }
}

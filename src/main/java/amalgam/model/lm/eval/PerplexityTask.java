package amalgam.model.lm.eval;

import amalgam.UserInputException;
import amalgam.io.ConfigFiles;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.text.HfTokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Perplexity over text files, as the transformers perplexity guide computes it: each file is tokenized whole (with
 * the tokenizer's special tokens unless told otherwise) and read through windows of {@code maxLength} tokens that
 * start every {@code stride} tokens; a window scores only the tokens the previous one did not reach, each predicted
 * from the window's tokens before it. The guide's weighting is kept: a window's mean NLL counts for its new tokens
 * minus one (it subtracts one token per window for the label shift). Reports perplexity = exp(the weighted mean NLL),
 * that mean, and the number of tokens read.
 *
 * @param maxLength window length in tokens (null: the model's positions, at most 1024)
 * @param stride    distance between window starts (null: half the window)
 */
public record PerplexityTask(String name, List<Path> files, Integer maxLength, Integer stride, boolean addSpecialTokens) implements LmTask {
    /** Texts larger than this are not evaluation sets (WikiText-103's test split is 1.3 MB). */
    static final long MAX_TEXT_BYTES = 256L << 20;

    public PerplexityTask {
        files = List.copyOf(files);
        if (files.isEmpty()) {
            throw new UserInputException("perplexity task '" + name + "' lists no files");
        }
        if (maxLength != null && maxLength < 2) {
            throw new UserInputException("perplexity task '" + name + "': max_length must be at least 2, got " + maxLength);
        }
        if (stride != null && stride < 1) {
            throw new UserInputException("perplexity task '" + name + "': stride must be at least 1, got " + stride);
        }
    }

    @Override
    public List<Path> inputs() {
        return files;
    }

    @Override
    public LmTask firstItems(int items) {
        return this;
    }

    @Override
    public SequencedMap<String, Double> evaluate(LoadedLanguageModel model, HfTokenizer tokenizer) {
        int window = maxLength != null ? maxLength : Math.min(model.config().maxPositions(), 1024);
        if (window > model.config().maxPositions()) {
            throw new UserInputException("perplexity task '" + name + "': max_length " + window + " exceeds the model's "
                    + model.config().maxPositions() + " positions");
        }
        int step = stride != null ? stride : Math.max(1, window / 2);
        if (step > window) {
            throw new UserInputException("perplexity task '" + name + "': stride " + step + " exceeds max_length " + window
                    + " (tokens between windows would be skipped)");
        }
        double nllSum = 0;
        long counted = 0;
        long tokens = 0;
        for (Path file : files) {
            String text = new String(ConfigFiles.readBytes(file, "text of task '" + name + "'", MAX_TEXT_BYTES),
                    java.nio.charset.StandardCharsets.UTF_8);
            long[] ids = tokenizer.encode(text, addSpecialTokens);
            tokens += ids.length;
            int previousEnd = 0;
            for (int begin = 0; begin < ids.length; begin += step) {
                int end = Math.min(begin + window, ids.length);
                int targets = end - previousEnd;
                int length = end - begin;
                double[] next = model.nextTokenLogProbs(ids, begin, length);
                // the scored positions: the last `targets` of the window, each predicted from the row before it
                double windowNll = 0;
                int scored = 0;
                for (int position = Math.max(1, length - targets); position < length; position++) {
                    windowNll -= next[position - 1];
                    scored++;
                }
                int weight = targets - 1;
                if (scored > 0 && weight > 0) {
                    nllSum += windowNll / scored * weight;
                    counted += weight;
                }
                previousEnd = end;
                if (end == ids.length) {
                    break;
                }
            }
        }
        if (counted == 0) {
            throw new UserInputException("perplexity task '" + name + "': the texts have fewer than two tokens to score");
        }
        double meanNll = nllSum / counted;
        SequencedMap<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("perplexity", Math.exp(meanNll));
        metrics.put("nll", meanNll);
        metrics.put("tokens", (double) tokens);
        return metrics;
    }
}

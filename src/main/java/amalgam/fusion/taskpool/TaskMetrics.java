package amalgam.fusion.taskpool;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * One task's result.
 *
 * @param accuracy fraction of items classified right (an image's arg-max logit is its label; a language task's
 *                 {@code acc} or {@code exact_match}); NaN for a task that has none (perplexity)
 * @param loss     an image task's mean over batches of the batch-mean cross-entropy (FusionBench's MeanMetric: a final
 *                 partial batch counts as much as a full one), a language task's mean negative log-likelihood per
 *                 scored token or item; NaN for a task that has none
 * @param named    a language task's metrics under its own names ({@code perplexity}, {@code acc_norm}, ...), in the
 *                 order they are reported; empty for an image task
 */
public record TaskMetrics(double accuracy, double loss, SequencedMap<String, Double> named) {
    public TaskMetrics {
        named = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(named));
    }

    public TaskMetrics(double accuracy, double loss) {
        this(accuracy, loss, new LinkedHashMap<>());
    }

    /**
     * A language task's metrics: the accuracy is {@code accuracy}, {@code acc} or {@code exact_match}, the loss
     * {@code loss} or {@code nll}; {@code accuracy} and {@code loss} themselves are not repeated among the named ones.
     */
    public static TaskMetrics ofNamed(Map<String, Double> metrics) {
        SequencedMap<String, Double> named = new LinkedHashMap<>(metrics);
        Double accuracy = named.remove("accuracy");
        Double loss = named.remove("loss");
        if (accuracy == null) {
            accuracy = named.containsKey("acc") ? named.get("acc") : named.get("exact_match");
        }
        if (loss == null) {
            loss = named.get("nll");
        }
        return new TaskMetrics(accuracy == null ? Double.NaN : accuracy, loss == null ? Double.NaN : loss, named);
    }

    public boolean hasAccuracy() {
        return !Double.isNaN(accuracy);
    }

    public boolean hasLoss() {
        return !Double.isNaN(loss);
    }

    /** The report's entry: {@code accuracy} and {@code loss} when the task has them, then the named metrics. */
    public Map<String, Object> toMap() {
        Map<String, Object> entry = new LinkedHashMap<>();
        if (hasAccuracy()) {
            entry.put("accuracy", accuracy);
        }
        if (hasLoss()) {
            entry.put("loss", loss);
        }
        entry.putAll(named);
        return entry;
    }
}

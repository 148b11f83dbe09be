package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.fusion.taskpool.TaskMetrics;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a run measured, typed: the fused model's metrics per task and, as the run has them, its metrics on the
 * validation splits (a sweep's jobs), a continual run's models after every step, the reference rows (the pretrained
 * model on every task, each fine-tuned model on its own), the tables the method learned, the fused model's parameter
 * counts, and a surgery model's metrics without its corrections. The FusionBench-shaped JSON report
 * ({@link #toPrettyJson}), the printed table and the run record are all written from it.
 */
public final class RunReport {
    /** The JSON key of the tables a method learned. */
    public static final String LEARNED = "learned";
    /** The JSON key of the fused model's metrics on the validation splits. */
    public static final String VALIDATION = "validation";
    /** The JSON key of a continual run's models after every step ({@code evaluate_on_every_step}). */
    public static final String STEPS = "steps";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The fused model's parameter counts (a mixture's trainable ones: its routers). */
    public record ModelInfo(long trainableParameters, long allParameters) {
    }

    /** The model after one continual step, once {@code model} was merged in, on the tasks seen so far. */
    public record Step(String model, Map<String, TaskMetrics> results) {
        public Step {
            results = Collections.unmodifiableMap(new LinkedHashMap<>(results));
        }
    }

    private ModelInfo modelInfo;
    private final List<LearnedCoefficients> learned = new ArrayList<>();
    private final Map<String, TaskMetrics> results = new LinkedHashMap<>();
    private Map<String, TaskMetrics> validation;
    private List<Step> steps;
    private Map<String, TaskMetrics> uncorrected;
    private Map<String, TaskMetrics> pretrained;
    private Map<String, TaskMetrics> individual;

    public void putModelInfo(long trainableParameters, long allParameters) {
        modelInfo = new ModelInfo(trainableParameters, allParameters);
    }

    /** A table the method learned (AdaMerging's coefficients: one row per task model, one column per parameter group). */
    public void putLearned(LearnedCoefficients table) {
        learned.add(table);
    }

    /** The fused model's metrics per task (a per-task method: each task's own model on it). */
    public void putResults(Map<String, TaskMetrics> taskResults) {
        results.putAll(taskResults);
    }

    public void putValidation(Map<String, TaskMetrics> taskResults) {
        validation = new LinkedHashMap<>(taskResults);
    }

    public void putSteps(List<Step> continualSteps) {
        steps = List.copyOf(continualSteps);
    }

    /** A surgery model without its corrections (FusionBench reports both). */
    public void putUncorrected(Map<String, TaskMetrics> taskResults) {
        uncorrected = new LinkedHashMap<>(taskResults);
    }

    /** The reference rows; {@code pretrainedResults} is null for a pool without a pretrained model. */
    public void putReference(Map<String, TaskMetrics> pretrainedResults, Map<String, TaskMetrics> individualResults) {
        pretrained = pretrainedResults == null ? null : new LinkedHashMap<>(pretrainedResults);
        individual = new LinkedHashMap<>(individualResults);
    }

    public Optional<ModelInfo> modelInfo() {
        return Optional.ofNullable(modelInfo);
    }

    public List<LearnedCoefficients> learned() {
        return List.copyOf(learned);
    }

    /** The fused model's metrics per task, in the task pool's order (empty when nothing was evaluated). */
    public Map<String, TaskMetrics> results() {
        return Collections.unmodifiableMap(results);
    }

    public Optional<Map<String, TaskMetrics>> validation() {
        return Optional.ofNullable(validation).map(Collections::unmodifiableMap);
    }

    public List<Step> steps() {
        return steps == null ? List.of() : steps;
    }

    public Optional<Map<String, TaskMetrics>> pretrained() {
        return Optional.ofNullable(pretrained).map(Collections::unmodifiableMap);
    }

    public Optional<Map<String, TaskMetrics>> individual() {
        return Optional.ofNullable(individual).map(Collections::unmodifiableMap);
    }

    /**
     * The mean accuracy over the tasks of {@code taskResults} that have one (FusionBench's {@code average}; a perplexity
     * task has none), if there are any.
     */
    public static OptionalDouble averageAccuracy(Map<String, TaskMetrics> taskResults) {
        if (taskResults.isEmpty()) {
            return OptionalDouble.empty();
        }
        double sum = 0; // summed in task order, as the report's "average" is (a stream's average compensates: other last bits)
        int counted = 0;
        for (TaskMetrics metrics : taskResults.values()) {
            if (metrics.hasAccuracy()) {
                sum += metrics.accuracy();
                counted++;
            }
        }
        return counted == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / counted);
    }

    /**
     * FusionBench's report: {@code model_info}, the learned tables, one entry per task ({@code {"accuracy", "loss"}})
     * and {@code average}, then as present {@code validation}, {@code steps}, {@code adamerging} (without corrections)
     * and {@code reference}.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> entries = new LinkedHashMap<>();
        if (modelInfo != null) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("trainable_params", modelInfo.trainableParameters());
            info.put("all_params", modelInfo.allParameters());
            info.put("trainable_percentage", modelInfo.allParameters() == 0 ? 0.0
                    : (double) modelInfo.trainableParameters() / modelInfo.allParameters());
            entries.put("model_info", info);
        }
        if (!learned.isEmpty()) {
            Map<String, Object> tables = new LinkedHashMap<>();
            for (LearnedCoefficients table : learned) {
                tables.put(table.name(), learnedTable(table));
            }
            entries.put(LEARNED, tables);
        }
        putMetrics(entries, results);
        if (validation != null) {
            entries.put(VALIDATION, metricsRows(validation));
        }
        if (steps != null) {
            Map<String, Object> rows = new LinkedHashMap<>();
            for (int i = 0; i < steps.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("model", steps.get(i).model());
                putMetrics(row, steps.get(i).results());
                rows.put("merged_model_" + i, row);
            }
            entries.put(STEPS, rows);
        }
        if (uncorrected != null) {
            entries.put("adamerging", metricsRows(uncorrected));
        }
        if (individual != null) {
            Map<String, Object> reference = new LinkedHashMap<>();
            if (pretrained != null) {
                reference.put("pretrained", metricsRows(pretrained));
            }
            reference.put("individual", metricsRows(individual));
            entries.put("reference", reference);
        }
        return entries;
    }

    private static Map<String, Object> learnedTable(LearnedCoefficients table) {
        Map<String, Object> rows = new LinkedHashMap<>();
        for (int row = 0; row < table.rows().size(); row++) {
            List<Double> values = new ArrayList<>();
            for (int column = 0; column < table.columns().size(); column++) {
                values.add((double) table.get(row, column));
            }
            rows.put(table.rows().get(row), values);
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("columns", table.columns());
        entry.put("rows", rows);
        return entry;
    }

    private static Map<String, Object> metricsRows(Map<String, TaskMetrics> taskResults) {
        Map<String, Object> rows = new LinkedHashMap<>();
        putMetrics(rows, taskResults);
        return rows;
    }

    /**
     * One entry per task and their {@code average}: the mean accuracy and mean loss over the tasks that have them
     * (every task of an image pool; a language pool's perplexity tasks have no accuracy).
     */
    private static void putMetrics(Map<String, Object> target, Map<String, TaskMetrics> taskResults) {
        double accuracy = 0;
        double loss = 0;
        int accuracies = 0;
        int losses = 0;
        for (Map.Entry<String, TaskMetrics> entry : taskResults.entrySet()) {
            TaskMetrics metrics = entry.getValue();
            target.put(entry.getKey(), metrics.toMap());
            if (metrics.hasAccuracy()) {
                accuracy += metrics.accuracy();
                accuracies++;
            }
            if (metrics.hasLoss()) {
                loss += metrics.loss();
                losses++;
            }
        }
        if (accuracies + losses > 0) {
            Map<String, Object> average = new LinkedHashMap<>();
            if (accuracies > 0) {
                average.put("accuracy", accuracy / accuracies);
            }
            if (losses > 0) {
                average.put("loss", loss / losses);
            }
            target.put("average", average);
        }
    }

    /**
     * Refuses, before the run does any work, a report path that holds something amalgam did not write: an existing
     * file may be replaced only when it is an earlier report (a JSON object with {@code model_info}).
     */
    public static void checkReplaceable(Path file, java.util.Collection<Path> inputs) {
        if (Files.isDirectory(file) || Files.isSymbolicLink(file)) {
            throw new UserInputException("report_save_path '" + file + "' is a directory or a link, not a report file");
        }
        if (!Files.exists(file)) {
            return;
        }
        boolean earlierReport;
        try {
            earlierReport = Files.size(file) < (64L << 20) && JSON.readTree(file.toFile()) instanceof ObjectNode object
                    && object.has("model_info");
        } catch (IOException notJson) {
            earlierReport = false;
        }
        if (!earlierReport) {
            throw new UserInputException("report_save_path '" + file + "' exists and is not an earlier amalgam report:"
                    + " refusing to overwrite it; choose another file");
        }
    }

    public String toPrettyJson() {
        try {
            return JSON.writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

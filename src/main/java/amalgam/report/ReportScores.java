package amalgam.report;

import amalgam.fusion.FusionRun;
import amalgam.fusion.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The typed results of a run's report ({@link amalgam.fusion.RunReport}'s FusionBench-shaped map). */
final class ReportScores {
    private ReportScores() {
    }

    /** Per-task metrics: the fused model's (top-level task entries) and the reference rows'. */
    static List<RunRecord.TaskScore> of(Map<String, Object> report) {
        List<RunRecord.TaskScore> scores = new ArrayList<>();
        addRow(scores, RunRecord.FUSED, report);
        if (report.get("reference") instanceof Map<?, ?> reference) {
            for (String row : List.of("pretrained", "individual")) {
                if (reference.get(row) instanceof Map<?, ?> results) {
                    addRow(scores, row, results);
                }
            }
        }
        return scores;
    }

    /** The fused model's parameter counts, or null when the report has none. */
    static RunRecord.ModelInfo modelInfo(Map<String, Object> report) {
        if (report.get("model_info") instanceof Map<?, ?> info && info.get("trainable_params") instanceof Number trainable
                && info.get("all_params") instanceof Number all) {
            return new RunRecord.ModelInfo(trainable.longValue(), all.longValue());
        }
        return null;
    }

    /** The validation scores, continual steps and learned tables of the report, each empty when it has none. */
    static RunRecord.Diagnostics diagnostics(Map<String, Object> report) {
        List<RunRecord.TaskScore> validation = new ArrayList<>();
        if (report.get(FusionRun.VALIDATION) instanceof Map<?, ?> rows) {
            addRow(validation, RunRecord.FUSED, rows);
        }
        List<RunRecord.Step> steps = new ArrayList<>();
        if (report.get(FusionRun.STEPS) instanceof Map<?, ?> rows) {
            for (Object row : rows.values()) {
                if (row instanceof Map<?, ?> step) {
                    List<RunRecord.TaskScore> scores = new ArrayList<>();
                    addRow(scores, RunRecord.FUSED, step);
                    steps.add(new RunRecord.Step(steps.size(), String.valueOf(step.get("model")), scores));
                }
            }
        }
        List<RunRecord.LearnedTable> learned = new ArrayList<>();
        if (report.get(RunReport.LEARNED) instanceof Map<?, ?> tables) {
            tables.forEach((name, table) -> {
                if (table instanceof Map<?, ?> entry && entry.get("columns") instanceof List<?> columns
                        && entry.get("rows") instanceof Map<?, ?> rows) {
                    List<String> rowNames = new ArrayList<>();
                    List<List<Double>> values = new ArrayList<>();
                    rows.forEach((row, numbers) -> {
                        if (numbers instanceof List<?> list) {
                            rowNames.add(String.valueOf(row));
                            values.add(list.stream().map(value -> value instanceof Number number ? number.doubleValue() : Double.NaN).toList());
                        }
                    });
                    learned.add(new RunRecord.LearnedTable(String.valueOf(name), columns.stream().map(String::valueOf).toList(), rowNames,
                            values));
                }
            });
        }
        return new RunRecord.Diagnostics(validation, steps, learned);
    }

    private static void addRow(List<RunRecord.TaskScore> scores, String model, Map<?, ?> results) {
        results.forEach((key, value) -> {
            if (!"average".equals(key) && value instanceof Map<?, ?> metrics && metrics.get("accuracy") instanceof Number accuracy) {
                Double loss = metrics.get("loss") instanceof Number number ? number.doubleValue() : null;
                scores.add(new RunRecord.TaskScore(model, String.valueOf(key), accuracy.doubleValue(), loss));
            }
        });
    }
}

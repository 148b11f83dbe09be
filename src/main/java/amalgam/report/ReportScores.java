package amalgam.report;

import amalgam.fusion.LearnedCoefficients;
import amalgam.fusion.RunReport;
import amalgam.fusion.taskpool.TaskMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A run's {@link RunReport} as the record keeps it: scores per model and task, parameter counts, diagnostics. */
final class ReportScores {
    private ReportScores() {
    }

    /** Per-task metrics: the fused model's and the reference rows'. */
    static List<RunRecord.TaskScore> of(RunReport report) {
        List<RunRecord.TaskScore> scores = new ArrayList<>(row(RunRecord.FUSED, report.results()));
        report.pretrained().ifPresent(results -> scores.addAll(row("pretrained", results)));
        report.individual().ifPresent(results -> scores.addAll(row("individual", results)));
        return scores;
    }

    /** The fused model's parameter counts, or null when the report has none. */
    static RunRecord.ModelInfo modelInfo(RunReport report) {
        return report.modelInfo().map(info -> new RunRecord.ModelInfo(info.trainableParameters(), info.allParameters())).orElse(null);
    }

    /** The validation scores, continual steps and learned tables of the report, each empty when it has none. */
    static RunRecord.Diagnostics diagnostics(RunReport report) {
        List<RunRecord.Step> steps = new ArrayList<>();
        for (RunReport.Step step : report.steps()) {
            steps.add(new RunRecord.Step(steps.size(), step.model(), row(RunRecord.FUSED, step.results())));
        }
        List<RunRecord.LearnedTable> learned = new ArrayList<>();
        for (LearnedCoefficients table : report.learned()) {
            List<List<Double>> values = new ArrayList<>();
            for (int row = 0; row < table.rows().size(); row++) {
                List<Double> rowValues = new ArrayList<>();
                for (int column = 0; column < table.columns().size(); column++) {
                    rowValues.add((double) table.get(row, column));
                }
                values.add(rowValues);
            }
            learned.add(new RunRecord.LearnedTable(table.name(), table.columns(), table.rows(), values));
        }
        return new RunRecord.Diagnostics(report.validation().map(results -> row(RunRecord.FUSED, results)).orElse(List.of()), steps,
                learned);
    }

    private static List<RunRecord.TaskScore> row(String model, Map<String, TaskMetrics> results) {
        List<RunRecord.TaskScore> scores = new ArrayList<>();
        results.forEach((task, metrics) -> scores.add(new RunRecord.TaskScore(model, task,
                metrics.hasAccuracy() ? metrics.accuracy() : null, metrics.hasLoss() ? metrics.loss() : null)));
        return scores;
    }
}

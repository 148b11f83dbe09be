package amalgam.report;

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

    private static void addRow(List<RunRecord.TaskScore> scores, String model, Map<?, ?> results) {
        results.forEach((key, value) -> {
            if (!"average".equals(key) && value instanceof Map<?, ?> metrics && metrics.get("accuracy") instanceof Number accuracy) {
                Double loss = metrics.get("loss") instanceof Number number ? number.doubleValue() : null;
                scores.add(new RunRecord.TaskScore(model, String.valueOf(key), accuracy.doubleValue(), loss));
            }
        });
    }
}

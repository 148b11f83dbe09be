package amalgam.cli;

import amalgam.fusion.RunReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The best point of a sweep, chosen by average accuracy on the task pool's validation splits (never the test split;
 * the first job wins a tie), and reported with its test accuracy. Jobs without validation results (a task pool
 * without {@code val} splits, or no task pool) are not candidates.
 */
final class SweepSelection {
    /** The chosen job: its index, overrides and the two averages. */
    record Best(int job, List<String> overrides, double validation, double test) {
        String line() {
            return String.format(Locale.ROOT, "# best job %d (%s): validation accuracy %.4f, test accuracy %.4f", job,
                    String.join(" ", overrides), validation, test);
        }
    }

    private Best best;

    void offer(int job, List<String> overrides, RunReport report) {
        OptionalDouble validation = report.validation().map(RunReport::averageAccuracy).orElse(OptionalDouble.empty());
        OptionalDouble test = RunReport.averageAccuracy(report.results());
        if (validation.isEmpty() || test.isEmpty()) {
            return;
        }
        if (best == null || validation.getAsDouble() > best.validation()) {
            best = new Best(job, overrides, validation.getAsDouble(), test.getAsDouble());
        }
    }

    Optional<Best> best() {
        return Optional.ofNullable(best);
    }
}

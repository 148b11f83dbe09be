package amalgam.cli;

import amalgam.UserInputException;
import amalgam.report.HtmlReport;
import amalgam.report.RunDatabase;
import amalgam.report.StoredRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code amalgam report}: recorded runs as one self-contained HTML page (see {@link HtmlReport}). */
@Command(name = "report", mixinStandardHelpOptions = true, description = {
    "Draw recorded runs as one self-contained HTML page.",
    "Inline SVG, no network: accuracy per task, averages against the reference models, radars, learned coefficients and",
    "matrices, continual and sweep curves, parameters against accuracy, and every run's provenance."})
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The HTML file to write (an earlier report is replaced; nothing else is).")
    Path out;

    @Option(names = "--runs", split = ",", paramLabel = "ID", description = "Only these runs (ids as 'runs list' prints them), in this order.")
    List<String> ids = new ArrayList<>();

    @Option(names = "--method", paramLabel = "M", description = "Only the runs of method M.")
    String method;

    @Option(names = "--last", paramLabel = "N", description = "Only the last N runs.")
    Integer last;

    @Option(names = "--title", paramLabel = "TEXT", defaultValue = "amalgam runs", description = "The page's title (default: ${DEFAULT-VALUE}).")
    String title;

    @Mixin
    RunsCommand.Folder records;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (last != null && last < 1) {
            throw new UserInputException("--last must be at least 1, got " + last);
        }
        if (!ids.isEmpty() && (method != null || last != null)) {
            throw new UserInputException("--runs names the runs: it cannot be combined with --method or --last");
        }
        List<StoredRun> runs = new ArrayList<>();
        try (RunDatabase database = records.open(spec)) {
            if (ids.isEmpty()) {
                runs.addAll(database.list(method, last));
            } else {
                for (String id : new LinkedHashSet<>(ids)) {
                    runs.add(database.find(id));
                }
            }
        }
        HtmlReport.write(out, HtmlReport.render(title, runs), "--out");
        spec.commandLine().getOut().println("wrote " + out + " (" + runs.size() + (runs.size() == 1 ? " run)" : " runs)"));
        return Main.EXIT_OK;
    }
}

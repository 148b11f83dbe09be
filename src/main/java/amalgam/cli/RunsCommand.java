package amalgam.cli;

import amalgam.UserInputException;
import amalgam.report.RecordsLocation;
import amalgam.report.RunComparison;
import amalgam.report.RunDatabase;
import amalgam.report.RunDetails;
import amalgam.report.RunExport;
import amalgam.report.RunListing;
import amalgam.report.StoredRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam runs ...}: the records of past {@code run} and {@code merge} commands (see {@link RunDatabase}). */
@Command(name = "runs", mixinStandardHelpOptions = true, description = {
    "The records of past 'run' and 'merge' commands.",
    "Kept in a DuckDB database (runs.duckdb) in the records folder: --records DIR, else runs/ of AMALGAM_DATA, else",
    "$XDG_DATA_HOME/amalgam, else ~/.local/share/amalgam."},
        subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Compare.class, RunsCommand.Export.class})
final class RunsCommand extends CommandGroup {
    /** How long a command waits for another amalgam process that has the database open. */
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);

    /** The records folder option and the opening of the database, shared by the subcommands. */
    static final class Folder {
        @Option(names = "--records", paramLabel = "DIR", description = "Run records folder (default: runs/ of the data folder).")
        Path folder;

        RunDatabase open(CommandSpec spec) {
            RecordsLocation location = RecordsLocation.of(folder, false);
            return RunDatabase.open(location.folder(), LOCK_TIMEOUT,
                    warning -> spec.commandLine().getErr().println("amalgam: warning: " + warning));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the recorded runs, oldest first.")
    static final class ListRuns implements Callable<Integer> {
        @Option(names = "--method", paramLabel = "M", description = "Only the runs of method M.")
        String method;

        @Option(names = "--last", paramLabel = "N", description = "Only the last N runs.")
        Integer last;

        @Option(names = "--json", description = "Print a JSON array.")
        boolean json;

        @Mixin
        Folder records;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (last != null && last < 1) {
                throw new UserInputException("--last must be at least 1, got " + last);
            }
            try (RunDatabase database = records.open(spec)) {
                List<StoredRun> runs = database.list(method, last);
                spec.commandLine().getOut().print(json ? RunListing.json(runs) + "\n" : RunListing.text(runs));
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one run's record.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "The run's id (12-3fa9c2), number (12) or hash (3fa9c2).")
        String id;

        @Option(names = "--json", description = "Print the whole record as JSON.")
        boolean json;

        @Mixin
        Folder records;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (RunDatabase database = records.open(spec)) {
                StoredRun run = database.find(id);
                spec.commandLine().getOut().print(json ? RunDetails.json(run) + "\n" : RunDetails.text(run));
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Runs side by side: accuracy per task, average, and the parameters that differ.")
    static final class Compare implements Callable<Integer> {
        @Parameters(arity = "2..*", paramLabel = "ID", description = "Two or more run ids.")
        List<String> ids = new ArrayList<>();

        @Option(names = "--json", description = "Print the comparison as JSON.")
        boolean json;

        @Mixin
        Folder records;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (RunDatabase database = records.open(spec)) {
                List<StoredRun> runs = new ArrayList<>();
                for (String id : new LinkedHashSet<>(ids)) {
                    runs.add(database.find(id));
                }
                RunComparison comparison = new RunComparison(runs);
                spec.commandLine().getOut().print(json ? comparison.json() + "\n" : comparison.text());
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Export every run as CSV (a row per run) or JSON (the whole records).")
    static final class Export implements Callable<Integer> {
        @Option(names = "--format", paramLabel = "csv|json", defaultValue = "csv", description = "csv or json (default ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE (whole or not at all) instead of standard output.")
        Path out;

        @Mixin
        Folder records;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            RunExport.Format parsed = RunExport.Format.parse(format);
            try (RunDatabase database = records.open(spec)) {
                String export = RunExport.render(database.list(null, null), parsed);
                if (out == null) {
                    spec.commandLine().getOut().print(export);
                } else {
                    RunExport.write(out, export, parsed);
                }
            }
            return Main.EXIT_OK;
        }
    }
}

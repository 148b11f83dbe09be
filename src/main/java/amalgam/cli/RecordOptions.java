package amalgam.cli;

import amalgam.report.RecordsLocation;
import amalgam.report.RunRecorder;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Where {@code run} and {@code merge} record themselves (see {@link RecordsLocation}), and how to turn that off. */
final class RecordOptions {
    @Option(names = "--records", paramLabel = "DIR", description = "Run records folder (default: runs/ of AMALGAM_DATA, else"
            + " $XDG_DATA_HOME/amalgam, else ~/.local/share/amalgam).")
    Path folder;

    @Option(names = "--no-record", description = "Do not record this run (AMALGAM_RECORD=off does the same for every run).")
    boolean noRecord;

    RecordsLocation location() {
        return RecordsLocation.of(folder, noRecord);
    }

    /** A recorder for the command {@code spec} is running; its warnings go to the command's standard error. */
    RunRecorder recorder(CommandSpec spec, boolean sweep) {
        List<String> arguments = spec.commandLine().getParseResult().originalArgs();
        return RunRecorder.of(location(), arguments, sweep, warning -> spec.commandLine().getErr().println("amalgam: warning: " + warning));
    }
}

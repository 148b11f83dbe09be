package amalgam.report;

import amalgam.UserInputException;
import amalgam.fusion.RunReport;
import amalgam.io.FileDigests;
import amalgam.merge.Provenance;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Records the runs of one command ({@code run}, each job of a sweep, or {@code merge}): a marker when a run starts,
 * its final record when it ends, both as {@link PendingRecords} files. Recording never makes a run fail: when the
 * records folder cannot be written, the run goes on and one warning line is printed.
 */
public final class RunRecorder {
    private final PendingRecords pending;
    private final List<RunRecord> kept; // the finished records, when asked to keep them in memory
    private final List<String> arguments;
    private final String sweep;
    private final Consumer<String> warnings;
    private RunRecord current;
    private boolean parametersResolved;
    private boolean warned;

    private RunRecorder(PendingRecords pending, List<RunRecord> kept, List<String> arguments, String sweep, Consumer<String> warnings) {
        this.pending = pending;
        this.kept = kept;
        this.arguments = List.copyOf(arguments);
        this.sweep = sweep;
        this.warnings = warnings;
    }

    /**
     * A recorder for the command {@code arguments} (after {@code amalgam}); {@code sweep} when its jobs are the points
     * of a sweep (they then share a sweep id); nothing is recorded when {@code location} is disabled.
     */
    public static RunRecorder of(RecordsLocation location, List<String> arguments, boolean sweep, Consumer<String> warnings) {
        return new RunRecorder(location.enabled() ? new PendingRecords(location.folder()) : null, null, arguments,
                sweep ? UUID.randomUUID().toString() : null, warnings);
    }

    /**
     * A recorder that also keeps every finished record in memory ({@link #finished}), e.g. for a report drawn at the end
     * of the command; it writes pending records too when {@code location} is enabled.
     */
    public static RunRecorder keeping(RecordsLocation location, List<String> arguments, boolean sweep, Consumer<String> warnings) {
        return new RunRecorder(location.enabled() ? new PendingRecords(location.folder()) : null, new ArrayList<>(), arguments,
                sweep ? UUID.randomUUID().toString() : null, warnings);
    }

    /**
     * A recorder for another lane of the same command: the same records folder, command line and sweep id, its own
     * running record (a recorder records one job at a time).
     */
    public RunRecorder lane() {
        if (kept != null) {
            throw new IllegalStateException("a recorder that keeps its records in memory has one lane");
        }
        return new RunRecorder(pending, null, arguments, sweep, warnings);
    }

    /** The records of the runs finished so far, oldest first (empty unless made by {@link #keeping}). */
    public List<RunRecord> finished() {
        return kept == null ? List.of() : List.copyOf(kept);
    }

    /** Runs one {@code amalgam run} job and records it with its report. */
    public RunReport recordRun(RecordStart start, int job, Supplier<RunReport> body) {
        begin(start, job);
        RunReport report;
        try {
            report = body.get();
        } catch (RuntimeException | Error failure) {
            end(RunRecord.Status.FAILED, message(failure));
            throw failure;
        }
        guarded(() -> current = current.withResults(ReportScores.of(report), ReportScores.modelInfo(report),
                ReportScores.diagnostics(report)));
        end(RunRecord.Status.OK, null);
        return report;
    }

    /** Runs one {@code amalgam merge} and records it. */
    public void recordMerge(RecordStart start, Runnable body) {
        begin(start, 0);
        try {
            body.run();
        } catch (RuntimeException | Error failure) {
            end(RunRecord.Status.FAILED, message(failure));
            throw failure;
        }
        end(RunRecord.Status.OK, null);
    }

    /** The running job's provenance, as soon as the program knows it: resolved parameters and hashed inputs. */
    public void provenance(Provenance provenance) {
        guarded(() -> {
            if (current == null) {
                return;
            }
            List<RunRecord.ModelInput> inputs = new ArrayList<>();
            for (Provenance.Input input : provenance.inputs()) {
                inputs.add(new RunRecord.ModelInput(input.name(), input.path(), FileDigests.combined(input.files()), input.files()));
            }
            current = current.withProvenance(parametersResolved ? current.parameters() : provenance.parameters(), inputs,
                    provenance.software());
        });
    }

    private void begin(RecordStart start, int job) {
        current = null;
        parametersResolved = start.resolved();
        guarded(() -> {
            ProcessHandle self = ProcessHandle.current();
            RunRecord.Invocation invocation = new RunRecord.Invocation(arguments, Path.of("").toAbsolutePath().toString(),
                    text(start.outputPath()), text(start.reportPath()), sweep, job, self.pid(), self.info().startInstant().orElse(null));
            current = new RunRecord(UUID.randomUUID().toString(), start.command(), start.dialect(), start.method(), start.parameters(),
                    start.configText(), List.of(), start.modelPool(), start.taskPool(), List.of(), null, RunRecord.Diagnostics.NONE, start.seed(),
                    RunRecord.Status.INTERRUPTED, null, new RunRecord.Timings(Instant.now(), null), invocation,
                    MachineInfo.environment(MachineInfo.software()));
            if (pending != null) {
                pending.started(current);
            }
        });
    }

    private void end(RunRecord.Status status, String error) {
        guarded(() -> {
            if (current != null) {
                RunRecord ended = current.ended(status, error, Instant.now());
                if (kept != null) {
                    kept.add(ended);
                }
                if (pending != null) {
                    pending.finished(ended);
                }
            }
        });
        current = null;
    }

    /** Runs a recording step; a failure is one warning line, and the run goes on. */
    private void guarded(Runnable step) {
        if (pending == null && kept == null) {
            return;
        }
        try {
            step.run();
        } catch (RuntimeException | LinkageError e) {
            if (!warned && pending != null) {
                warned = true;
                warnings.accept("this run is not recorded in " + pending.folder().getParent() + ": " + e.getMessage()
                        + " (see 'Run records' in the README to move or disable the records)");
            }
        }
    }

    private static String message(Throwable failure) {
        return failure instanceof UserInputException ? failure.getMessage() : failure.toString();
    }

    private static String text(Path path) {
        return path == null ? null : path.toString();
    }
}

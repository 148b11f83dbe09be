package amalgam.report;

import amalgam.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The records of runs not yet in the database: one small JSON file per run, each written whole (temporary file,
 * fsync, rename), so concurrent runs never share a file and a killed run never leaves half a record.
 * <ul>
 * <li>{@code UUID.running.json}: written when the run starts, its record as far as known (status interrupted);</li>
 * <li>{@code UUID.json}: written when it ends (ok or failed), after which the marker is removed.</li>
 * </ul>
 * A marker whose process is gone and that has no final record is a run that died without saying (SIGKILL): it is
 * ingested as {@code interrupted}.
 */
final class PendingRecords {
    private static final String MARKER = ".running.json";
    private static final String FINAL = ".json";

    /** A record ready for the database, and the files to remove once it is in. */
    record Ready(RunRecord record, List<Path> files) {
    }

    private final Path folder;

    PendingRecords(Path recordsFolder) {
        this.folder = recordsFolder.resolve("pending");
    }

    Path folder() {
        return folder;
    }

    /** The run has started: its marker. */
    void started(RunRecord draft) {
        AtomicFiles.writeString(marker(draft.uuid()), RecordWriter.json(draft) + "\n");
    }

    /** The run has ended: its final record, then no more marker (in this order, see {@link #ready}). */
    void finished(RunRecord record) {
        AtomicFiles.writeString(finalRecord(record.uuid()), RecordWriter.json(record) + "\n");
        try {
            Files.deleteIfExists(marker(record.uuid()));
        } catch (IOException e) {
            // a stale marker next to its final record is dropped at ingestion
        }
    }

    /**
     * Every finished run, and every run whose process died without finishing, oldest first. Unreadable files are
     * renamed {@code *.bad} and reported to {@code warnings}.
     */
    List<Ready> ready(Consumer<String> warnings) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<Ready> ready = new ArrayList<>();
        for (Path file : list(FINAL)) {
            if (file.getFileName().toString().endsWith(MARKER)) {
                continue;
            }
            read(file, warnings).ifPresent(record -> ready.add(new Ready(record, List.of(file, marker(record.uuid())))));
        }
        for (Path file : list(MARKER)) {
            read(file, warnings).ifPresent(draft -> {
                // the run writes its final record before it removes its marker: a dead process with no final record
                // (checked after the process was seen dead) never wrote one
                if (!alive(draft) && !Files.exists(finalRecord(draft.uuid()))) {
                    ready.add(new Ready(draft.ended(RunRecord.Status.INTERRUPTED,
                            "the process ended before the run did (killed, or the machine stopped)", null), List.of(file)));
                }
            });
        }
        ready.sort(Comparator.comparing((Ready entry) -> entry.record().timings().startedAt()).thenComparing(entry -> entry.record().uuid()));
        return ready;
    }

    /** Removes the files of records now in the database. */
    void remove(Ready entry) {
        for (Path file : entry.files()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // ingestion is idempotent: a file left behind is recognised by its uuid and removed next time
            }
        }
    }

    /** Whether the process that ran a record is still running (on another host, or unknowable: assumed so). */
    static boolean alive(RunRecord record) {
        if (!record.environment().host().equals(MachineInfo.host())) {
            return true; // a records folder shared between machines: only the run's own machine can tell
        }
        RunRecord.Invocation invocation = record.invocation();
        var process = ProcessHandle.of(invocation.pid());
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        Instant start = process.get().info().startInstant().orElse(null);
        // a recycled pid belongs to a process started later
        return start == null || invocation.processStart() == null
                || Duration.between(invocation.processStart(), start).abs().compareTo(Duration.ofSeconds(1)) <= 0;
    }

    private List<Path> list(String suffix) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(file -> file.getFileName().toString().endsWith(suffix) && !file.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the pending run records in " + folder, e);
        }
    }

    private java.util.Optional<RunRecord> read(Path file, Consumer<String> warnings) {
        try {
            return java.util.Optional.of(RecordJson.read(Files.readString(file)));
        } catch (java.nio.file.NoSuchFileException gone) {
            return java.util.Optional.empty(); // ingested or finished meanwhile
        } catch (IOException | RuntimeException e) {
            Path bad = file.resolveSibling(file.getFileName() + ".bad");
            try {
                Files.move(file, bad, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // left in place: reported again next time
            }
            warnings.accept("run record '" + file + "' is unreadable (" + e.getMessage().lines().findFirst().orElse("")
                    + "); set aside as '" + bad.getFileName() + "'");
            return java.util.Optional.empty();
        }
    }

    private Path marker(String uuid) {
        return folder.resolve(uuid + MARKER);
    }

    private Path finalRecord(String uuid) {
        return folder.resolve(uuid + FINAL);
    }
}

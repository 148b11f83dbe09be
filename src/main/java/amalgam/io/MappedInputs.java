package amalgam.io;

import amalgam.UserInputException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every input file this process has mapped, with its {@link FileIdentity} when it was mapped. A mapped file that is
 * truncated while it is read makes the next access of a missing page fail with SIGBUS, which the JVM surfaces as an
 * {@link InternalError} in whatever thread touched it; a file written in place or replaced changes the bytes read,
 * or leaves the digest recorded in the provenance describing bytes that were never read. Both are found here, in one
 * place for every command: {@link #explainFault} names the file behind such a fault, {@link #checkUnchanged} is
 * called before an output is published.
 */
public final class MappedInputs {
    private record Mapped(Path path, FileIdentity identity, MemorySegment.Scope scope) {
    }

    private static final List<Mapped> MAPPED = new CopyOnWriteArrayList<>();
    private static volatile Consumer<Path> afterMapping = path -> { };

    private MappedInputs() {
    }

    /** Records a file just mapped into {@code scope}; the record lasts while the scope is alive (and a little after). */
    static void register(Path path, FileIdentity identity, MemorySegment.Scope scope) {
        MAPPED.removeIf(mapped -> !mapped.scope().isAlive());
        MAPPED.add(new Mapped(path, identity, scope));
        afterMapping.accept(path);
    }

    /** Forgets files whose mappings are closed (a command starts with only its own files). */
    public static void forgetClosed() {
        MAPPED.removeIf(mapped -> !mapped.scope().isAlive());
    }

    /**
     * Throws, naming the file, if {@code path} (mapped by this process) is now shorter than when it was mapped.
     * Called before a tensor's pages are read: a lost page read by a C2-compiled Vector API load is not turned into
     * an {@link InternalError} by the JVM but crashes it (SIGBUS in compiled code), so a truncation must be caught
     * before the kernels touch the mapping. One {@code stat} per tensor read; a truncation in the microseconds
     * between this check and the read is still possible, and ends as a fault (or, in vector code, a crash).
     */
    public static void requireIntact(Path path) {
        for (Mapped mapped : MAPPED) {
            if (mapped.path().equals(path) && mapped.scope().isAlive()) {
                long now;
                try {
                    now = java.nio.file.Files.size(path);
                } catch (java.io.IOException gone) {
                    return;     // deleted or replaced: the mapping keeps the original bytes
                }
                if (now < mapped.identity().size()) {
                    throw changed(path, "it was " + mapped.identity().size() + " bytes, now " + now + " (truncated)", null);
                }
                return;
            }
        }
    }

    /** Throws, naming the file, if any input still mapped has changed since it was mapped. */
    public static void checkUnchanged() {
        for (Mapped mapped : MAPPED) {
            if (mapped.scope().isAlive()) {
                mapped.identity().changeOf(mapped.path()).ifPresent(change -> {
                    throw changed(mapped.path(), change, null);
                });
            }
        }
    }

    /**
     * If {@code failure} is (or was caused by) a fault on a mapped page and an input mapped by this command has
     * changed since, the error naming that file; empty otherwise. Mappings closed while the failure propagated are
     * still looked at: they are forgotten only when the next file is mapped or the next command starts.
     */
    public static Optional<UserInputException> explainFault(Throwable failure) {
        if (!isMappingFault(failure)) {
            return Optional.empty();
        }
        for (Mapped mapped : MAPPED) {
            Optional<String> change = mapped.identity().changeOf(mapped.path());
            if (change.isPresent()) {
                return Optional.of(changed(mapped.path(), change.get(), failure));
            }
        }
        return Optional.empty();
    }

    /** Runs {@code action} on every file right after it is mapped, until the returned handle is closed (for tests). */
    public static AutoCloseable afterMapping(Consumer<Path> action) {
        afterMapping = action;
        return () -> afterMapping = path -> { };
    }

    private static boolean isMappingFault(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InternalError internal && String.valueOf(internal.getMessage()).contains("unsafe memory access")) {
                return true;
            }
        }
        return false;
    }

    private static UserInputException changed(Path path, String change, Throwable cause) {
        return new UserInputException("input file '" + path + "' changed while it was read: " + change
                + ". amalgam reads its inputs in place (memory-mapped) and records their SHA-256, so they must not be"
                + " written to while it runs; nothing was written; run again once the file is complete", cause);
    }
}

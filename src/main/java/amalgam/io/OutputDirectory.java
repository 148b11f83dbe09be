package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An output directory amalgam owns for the length of a run. {@link #claim} checks, before any work, that the
 * requested path may be written: it is new, empty, or holds exactly an earlier amalgam output (its
 * {@link OutputManifest} matches), and it is neither the working directory, nor an input of the run, nor a folder
 * holding one. It takes the path's {@link OutputLock}, so two runs never write one output. The hidden staging
 * directory opens on first use ({@link #staging()}, or {@link #stagingFor} to resume what a killed run with the
 * same key left), removing the other leftovers of dead runs beside it. {@link #publish} lists what was written in the
 * manifest, forces every file and directory to disk and swaps the staging directory into place atomically; after a
 * crash at any point the path holds the old output or the new one, never nothing and never a mix.
 */
public final class OutputDirectory implements AutoCloseable {
    /** Written first into every staging directory (holding its run key): what marks it as amalgam's if its run dies. */
    static final String STAGING_MARKER = ".amalgam-staging";

    private final Path target;
    private final OutputLock lock;
    /** Staging directories that runs which died left beside the target: resumed or removed when staging opens. */
    private final List<Path> leftovers;
    private Path staging;
    private boolean published;
    private boolean closed;
    private boolean keepStaging;

    private OutputDirectory(Path target, OutputLock lock, List<Path> leftovers) {
        this.target = target;
        this.lock = lock;
        this.leftovers = leftovers;
    }

    /** Claims {@code requested} for a run that reads nothing the output could hold (see {@link #claim(Path, Collection)}). */
    public static OutputDirectory claim(Path requested) {
        return claim(requested, List.of());
    }

    /**
     * Claims {@code requested} as the output of a run reading {@code inputs} (files or directories); refuses with
     * exit 2, before anything is written, what may not be replaced.
     */
    public static OutputDirectory claim(Path requested, Collection<Path> inputs) {
        Path target = requested.toAbsolutePath().normalize();
        if (target.getParent() == null) {
            throw new UserInputException("output path '" + requested + "' is a file system root: refusing to replace it");
        }
        checkNotAround(target, workingDirectory(), "the working directory");
        for (Path input : inputs) {
            checkNotAround(target, input, "input '" + input + "' of this run");
        }
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new UserInputException("cannot create the folder of output '" + requested + "': " + AtomicFiles.describe(e), e);
        }
        OutputLock lock = OutputLock.acquire(target);
        try {
            List<Path> leftovers = leftovers(target);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                checkReplaceable(target);
            }
            return new OutputDirectory(target, lock, leftovers);
        } catch (IOException e) {
            lock.close();
            throw new UserInputException("cannot create the output directory next to '" + requested + "': "
                    + AtomicFiles.describe(e), e);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Where the output is written until {@link #publish()}: a new staging directory (no resuming). */
    public Path staging() {
        return staging == null ? stagingFor("") : staging;
    }

    /**
     * The staging directory for a run identified by {@code runKey} (a digest of everything that decides the
     * output's bytes): the one a killed run with the same key left, so its durable work is resumed, else a new one.
     * Every other leftover is removed.
     */
    public Path stagingFor(String runKey) {
        if (staging != null) {
            throw new IllegalStateException("staging already open for " + target);
        }
        try {
            for (Path leftover : leftovers) {
                if (staging == null && !runKey.isEmpty() && runKey.equals(markerOf(leftover))) {
                    staging = leftover;
                } else {
                    deleteOutput(leftover);
                }
            }
            if (staging == null) {
                staging = Files.createTempDirectory(target.getParent(), stagingPrefix(target));
                Files.writeString(staging.resolve(STAGING_MARKER), runKey);
                forceDirectory(staging);
                AtomicFiles.makeReadable(staging, "rwxr-xr-x");
            }
            return staging;
        } catch (IOException e) {
            throw new UserInputException("cannot create the output directory next to '" + target + "': " + AtomicFiles.describe(e), e);
        }
    }

    private static String markerOf(Path directory) {
        try {
            Path marker = directory.resolve(STAGING_MARKER);
            return Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS) && Files.size(marker) < 256 ? Files.readString(marker) : null;
        } catch (IOException e) {
            return null;
        }
    }

    public Path target() {
        return target;
    }

    /** Lists the output in its manifest, forces it to disk and moves it into place (replacing an earlier output). */
    public void publish() {
        staging(); // opened now if the caller wrote nothing (an empty output)
        try {
            // journals, then the manifest, then the marker: a staging folder cut short anywhere here still carries the
            // marker or the manifest, so the next run recognises it as amalgam's
            removeJournals(staging);
            OutputManifest.write(staging, Set.of(STAGING_MARKER));
            Files.delete(staging.resolve(STAGING_MARKER));
            forceTree(staging);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                replace();
            } else {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                forceDirectory(target.getParent());
            }
            published = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the output into " + target + ": " + AtomicFiles.describe(e), e);
        }
    }

    /**
     * Swaps the new output with the earlier one in one step, then removes the earlier one (now at the staging path).
     * Where the swap is not offered, the earlier output is moved aside first; a crash between the two renames
     * leaves it aside, complete, and the next claim moves it back.
     */
    private void replace() throws IOException {
        if (DirectorySwap.exchange(staging, target)) {
            forceDirectory(target.getParent());
            deleteOutput(staging);
            return;
        }
        Path aside = target.resolveSibling(stagingPrefix(target) + "old-" + ProcessHandle.current().pid());
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(target.getParent());
        deleteOutput(aside);
    }

    /**
     * Keeps the staging directory opened by {@link #stagingFor} when this output closes unpublished (a run that failed
     * after durable work), so that the next run with the same key resumes it as it resumes a killed run's.
     */
    public void keepForResume() {
        keepStaging = true;
    }

    /** Removes an unpublished staging directory (unless kept for resuming) and releases the output's lock. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!published && staging != null && !keepStaging) {
                deleteTree(staging);
            }
        } finally {
            lock.close();
        }
    }

    /** The hidden prefix of this output's staging (and set-aside) directories. */
    private static String stagingPrefix(Path target) {
        return "." + target.getFileName() + ".partial-";
    }

    /**
     * Staging directories of runs that died (the lock is ours, so no live run owns one), to be resumed or removed;
     * an earlier output set aside by an interrupted replacement is moved back when the path is empty. Only
     * directories that carry amalgam's staging marker or a manifest (or nothing at all) are touched.
     */
    private static List<Path> leftovers(Path target) throws IOException {
        String prefix = stagingPrefix(target);
        List<Path> leftovers = new ArrayList<>();
        try (Stream<Path> siblings = Files.list(target.getParent())) {
            siblings.filter(path -> path.getFileName().toString().startsWith(prefix))
                    .filter(path -> Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS))
                    .sorted()
                    .forEach(leftovers::add);
        }
        for (Path leftover : leftovers) {
            boolean setAside = leftover.getFileName().toString().startsWith(prefix + "old-");
            if (setAside && !Files.exists(target, LinkOption.NOFOLLOW_LINKS) && OutputManifest.describesExactly(leftover)) {
                Files.move(leftover, target, StandardCopyOption.ATOMIC_MOVE);
                forceDirectory(target.getParent());
            } else if (setAside && isAmalgamDebris(leftover)) {
                deleteOutput(leftover);
            }
        }
        List<Path> stagings = new ArrayList<>();
        for (Path leftover : leftovers) {
            if (Files.exists(leftover, LinkOption.NOFOLLOW_LINKS) && isAmalgamDebris(leftover)) {
                stagings.add(leftover);
            }
        }
        return stagings;
    }

    /** The resume journals in a finished staging tree: bookkeeping, not output. */
    private static void removeJournals(Path root) throws IOException {
        List<Path> journals;
        try (Stream<Path> files = Files.walk(root)) {
            journals = files.filter(path -> path.getFileName().toString().equals(ResumeJournal.FILE_NAME)).toList();
        }
        for (Path journal : journals) {
            Files.delete(journal);
        }
    }

    private static boolean isAmalgamDebris(Path directory) throws IOException {
        if (Files.exists(directory.resolve(STAGING_MARKER), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(directory.resolve(OutputManifest.FILE_NAME), LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try (Stream<Path> children = Files.list(directory)) {
            return children.findAny().isEmpty();
        }
    }

    private static void checkReplaceable(Path target) throws IOException {
        if (Files.isSymbolicLink(target)) {
            throw new UserInputException("output path '" + target + "' is a symbolic link: refusing to replace it");
        }
        if (!Files.isDirectory(target)) {
            throw new UserInputException("output path '" + target + "' exists and is not a directory: refusing to replace it");
        }
        boolean empty;
        try (Stream<Path> children = Files.list(target)) {
            empty = children.findAny().isEmpty();
        }
        if (!empty && !OutputManifest.describesExactly(target)) {
            throw new UserInputException("output directory '" + target + "' is not empty and does not hold exactly an"
                    + " earlier amalgam output (files amalgam did not write, or a changed " + OutputManifest.FILE_NAME
                    + "): refusing to replace it; choose a new or empty directory");
        }
    }

    /** Refuses a target that is {@code protectedPath} or a folder holding it: replacing the target would delete it. */
    private static void checkNotAround(Path target, Path protectedPath, String what) {
        Path real = realPath(protectedPath.toAbsolutePath().normalize());
        Path realTarget = realPath(target);
        if (real.startsWith(realTarget) || protectedPath.toAbsolutePath().normalize().startsWith(target)) {
            throw new UserInputException("output path '" + target + "' is " + (real.equals(realTarget) ? "" : "a folder holding ")
                    + what + ": refusing to replace it");
        }
    }

    /** The path with every existing part's links resolved (the missing tail kept as written). */
    private static Path realPath(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(path));
        } catch (IOException e) {
            return path;
        }
    }

    private static Path workingDirectory() {
        return Path.of("").toAbsolutePath();
    }

    /** Forces every file and directory under {@code root} (and root itself) to disk. */
    private static void forceTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    channel.force(true);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                forceDirectory(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // some file systems cannot open a directory for syncing; the renames are still atomic
        }
    }

    /**
     * Deletes an output or staging tree with its marks (manifest, staging marker) last, so a deletion cut short still
     * reads as amalgam's debris.
     */
    private static void deleteOutput(Path root) {
        deleteTree(root, Set.of(root.resolve(OutputManifest.FILE_NAME), root.resolve(STAGING_MARKER)));
    }

    /** Deletes a directory tree (staging and scratch directories). */
    public static void deleteTree(Path root) {
        deleteTree(root, Set.of());
    }

    private static void deleteTree(Path root, Set<Path> last) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    if (!last.contains(file)) {
                        Files.delete(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    if (dir.equals(root)) {
                        for (Path mark : last) {
                            Files.deleteIfExists(mark);
                        }
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException gone) {
            // removed meanwhile: nothing left to do
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}

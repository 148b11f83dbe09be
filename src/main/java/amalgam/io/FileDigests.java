package amalgam.io;

import amalgam.parallel.StoppableTask;
import amalgam.parallel.Workers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * SHA-256 of whole files: for a weight file this is the object id the Hugging Face hub lists for it, so a fused
 * model's provenance can be checked against the hub. Hashing reads every byte (about 1.8 GB/s a core here), so a
 * digest is remembered in the user cache under the file's identity (real path, size, modification and change
 * times, inode): merging the same inputs again costs nothing. As with git's index, a file rewritten in place with
 * all of those preserved would be missed; the change time cannot be set back by ordinary tools.
 */
public final class FileDigests {
    /** One file of an input: its name, size in bytes and SHA-256 (lower-case hex). */
    public record FileDigest(String file, long bytes, String sha256) {
    }

    private static final Pattern HEX_DIGEST = Pattern.compile("[0-9a-f]{64}");
    private static final int BUFFER = 1 << 20;

    private final Path cacheFolder;

    /** Digests remembered under {@code cacheFolder}, or not at all if it is null. */
    public FileDigests(Path cacheFolder) {
        this.cacheFolder = cacheFolder;
    }

    public static FileDigests standard() {
        return new FileDigests(UserCache.folder("sha256"));
    }

    /** The digests of {@code files} in their order, hashing as many files at once as there are workers. */
    public List<FileDigest> of(List<Path> files, Workers workers) {
        return of(files, workers, bytes -> { });
    }

    /** As {@link #of(List, Workers)}, telling {@code progress} how many bytes are done as it goes (from any thread). */
    public List<FileDigest> of(List<Path> files, Workers workers, LongConsumer progress) {
        if (files.size() <= 1 || workers.threads() <= 1) {
            return files.stream().map(file -> of(file, progress)).toList();
        }
        ExecutorService pool = workers.executor();
        List<StoppableTask<FileDigest>> pending = new ArrayList<>();
        try {
            for (Path file : files) {
                pending.add(StoppableTask.submit(pool, () -> of(file, progress)));
            }
            List<FileDigest> digests = new ArrayList<>();
            for (StoppableTask<FileDigest> digest : pending) {
                digests.add(digest.get());
            }
            return digests;
        } catch (ExecutionException failure) {
            throw failure.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hashing inputs", interrupted);
        } finally {
            pending.forEach(StoppableTask::stop); // the pool is shared: leave nothing of ours running
        }
    }

    /** The digest of one file, from the cache when its identity is unchanged. */
    public FileDigest of(Path file) {
        return of(file, bytes -> { });
    }

    private FileDigest of(Path file, LongConsumer progress) {
        try {
            String identity = identity(file);
            long bytes = Files.size(file);
            String cached = cached(identity);
            if (cached != null) {
                progress.accept(bytes);
                return new FileDigest(file.getFileName().toString(), bytes, cached);
            }
            String sha256 = hash(file, progress);
            if (identity.equals(identity(file))) {
                remember(identity, sha256);
            }
            return new FileDigest(file.getFileName().toString(), bytes, sha256);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash " + file + ": " + AtomicFiles.describe(e), e);
        }
    }

    /** One identity for a whole checkpoint: SHA-256 over its files' names and digests, in order. */
    public static String combined(List<FileDigest> digests) {
        MessageDigest digest = sha256();
        for (FileDigest file : digests) {
            digest.update((file.file() + " " + file.sha256() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }

    private static String hash(Path file, LongConsumer progress) throws IOException {
        MessageDigest digest = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (channel.read(buffer.clear()) >= 0) {
                digest.update(buffer.array(), 0, buffer.position());
                progress.accept(buffer.position());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String identity(Path file) throws IOException {
        Path real = file.toRealPath();
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
        Object changed;
        try {
            changed = Files.getAttribute(real, "unix:ctime");
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            changed = "-";
        }
        return real + "\n" + attributes.size() + "\n" + attributes.lastModifiedTime().toInstant() + "\n" + changed + "\n"
                + attributes.fileKey();
    }

    private String cached(String identity) {
        if (cacheFolder == null) {
            return null;
        }
        try {
            Path entry = entry(identity);
            if (!Files.isRegularFile(entry)) {
                return null;
            }
            List<String> lines = Files.readAllLines(entry, StandardCharsets.UTF_8);
            boolean valid = !lines.isEmpty() && HEX_DIGEST.matcher(lines.getFirst()).matches()
                    && String.join("\n", lines.subList(1, lines.size())).equals(identity);
            return valid ? lines.getFirst() : null;
        } catch (IOException | UncheckedIOException damaged) {
            return null;
        }
    }

    private void remember(String identity, String sha256) {
        if (cacheFolder == null) {
            return;
        }
        try {
            AtomicFiles.writeString(entry(identity), sha256 + "\n" + identity + "\n");
        } catch (UncheckedIOException unwritable) {
            // a read-only or full cache only costs hashing again next time
        }
    }

    private Path entry(String identity) {
        return cacheFolder.resolve(HexFormat.of().formatHex(sha256().digest(identity.getBytes(StandardCharsets.UTF_8))));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

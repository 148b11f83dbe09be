package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Hugging Face hub repo ids ({@code ORG/NAME}, or {@code NAME}) found in the local hub cache, the way transformers
 * resolves them offline: {@code models--ORG--NAME} under {@code -Damalgam.hub.cache}, {@code HF_HUB_CACHE},
 * {@code HF_HOME/hub}, {@code XDG_CACHE_HOME/huggingface/hub} or {@code ~/.cache/huggingface/hub}. amalgam never
 * downloads; a repo that is not cached is an error saying how to get it.
 */
public final class HubCache {
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");
    /** What a ref file may hold: one plain name (a commit hash), never a path. */
    private static final Pattern SNAPSHOT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,255}");

    private HubCache() {
    }

    /** The hub cache folder. */
    public static Path folder() {
        String explicit = System.getProperty("amalgam.hub.cache", System.getenv("HF_HUB_CACHE"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String home = System.getenv("HF_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "hub");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("huggingface").resolve("hub");
    }

    /**
     * The repo id of a path inside a hub cache repo folder ({@code …/models--ORG--NAME/snapshots/…} → ORG/NAME), so
     * a model card can name the hub models a merge was made from.
     */
    public static java.util.Optional<String> repoIdOf(Path path) {
        for (Path at = path.toAbsolutePath().normalize(); at != null && at.getFileName() != null; at = at.getParent()) {
            String name = at.getFileName().toString();
            if (name.startsWith("models--")) {
                String id = name.substring("models--".length()).replace("--", "/");
                return isRepoId(id) ? java.util.Optional.of(id) : java.util.Optional.empty();
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether {@code reference} can name a hub repo. */
    public static boolean isRepoId(String reference) {
        return REPO_ID.matcher(reference).matches() && !reference.contains("..");
    }

    /**
     * A model as written on a command line or in a config, {@code PATH} or {@code PATH@REVISION}: the local path when
     * it exists, else the cached copy of the repo it names (see {@link #resolve}).
     */
    public static Path locate(String written) {
        int at = written.indexOf('@');
        if (at < 0 || Files.exists(Path.of(written))) {
            return resolve(written, null);
        }
        return resolve(written.substring(0, at), written.substring(at + 1));
    }

    /**
     * A model reference as a local path: {@code reference} itself when it exists, else the cached copy of the
     * repo it names — its snapshot at {@code revision} (a commit or a ref), or the repo folder (refs/main) without one.
     */
    public static Path resolve(String reference, String revision) {
        Path local = Path.of(reference);
        if (Files.exists(local) || !isRepoId(reference)) {
            return local;
        }
        Path repo = folder().resolve("models--" + reference.replace("/", "--"));
        if (!Files.isDirectory(repo)) {
            throw new UserInputException("model '" + reference + "' is not a local path, and the Hugging Face cache ("
                    + folder() + ") has no copy of it; amalgam does not download models: fetch it first (e.g. `hf download "
                    + reference + "`) or give a local path");
        }
        if (revision == null) {
            return repo;
        }
        if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new UserInputException("model '" + reference + "': revision '" + revision + "' is not a valid revision name");
        }
        Path snapshot = repo.resolve("snapshots").resolve(revision);
        if (Files.isDirectory(snapshot)) {
            return snapshot;
        }
        if (Files.isRegularFile(repo.resolve("refs").resolve(revision))) {
            return snapshotOf(repo, revision);
        }
        throw new UserInputException("model '" + reference + "': revision '" + revision + "' is not in the Hugging Face cache at " + repo);
    }

    /** Whether {@code directory} is a hub cache repo folder ({@code models--ORG--NAME}: {@code refs/main} and {@code snapshots/}). */
    public static boolean isRepoFolder(Path directory) {
        return Files.isRegularFile(directory.resolve("refs").resolve("main")) && Files.isDirectory(directory.resolve("snapshots"));
    }

    /**
     * The snapshot folder that {@code refs/REF} of a cache repo folder names: the ref file must hold one plain
     * revision name (no path, at most 256 characters) whose folder exists under {@code snapshots/}. The one place a
     * ref is resolved, for {@code refs/main} and named revisions alike.
     */
    public static Path snapshotOf(Path repo, String ref) {
        Path refFile = repo.resolve("refs").resolve(ref);
        String revision;
        try {
            revision = Files.readString(refFile).strip();
        } catch (IOException e) {
            throw new UserInputException("cannot read '" + refFile + "': " + AtomicFiles.describe(e), e);
        }
        if (!SNAPSHOT_NAME.matcher(revision).matches()) {
            throw new UserInputException("'" + refFile + "' does not name a snapshot revision");
        }
        Path snapshot = repo.resolve("snapshots").resolve(revision);
        if (!Files.isDirectory(snapshot)) {
            throw new UserInputException("Hugging Face cache '" + repo + "': snapshot '" + revision + "' named by refs/"
                    + ref + " is missing");
        }
        return snapshot;
    }
}

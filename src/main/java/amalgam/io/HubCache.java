package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Hugging Face hub repo ids ({@code ORG/NAME}, or {@code NAME}) found in the local hub cache, the way transformers
 * resolves them offline: {@code models--ORG--NAME} (datasets: {@code datasets--ORG--NAME}) under {@code -Damalgam.hub.cache}, {@code HF_HUB_CACHE},
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

    /** The kinds of hub repo amalgam reads: each has its own folder prefix in the cache and its own download flag. */
    public enum RepoType {
        MODEL("models", "model", ""), DATASET("datasets", "dataset", " --repo-type dataset");

        private final String folderPrefix;
        private final String noun;
        private final String downloadFlag;

        RepoType(String folderPrefix, String noun, String downloadFlag) {
            this.folderPrefix = folderPrefix;
            this.noun = noun;
            this.downloadFlag = downloadFlag;
        }

        /** The repo's folder name in the cache: {@code datasets--ORG--NAME}. */
        public String folderName(String repoId) {
            return folderPrefix + "--" + repoId.replace("/", "--");
        }

        /** The command that fetches the repo into a hub cache on a machine with internet. */
        public String downloadCommand(String repoId) {
            return "hf download" + downloadFlag + " " + repoId;
        }
    }

    /**
     * The snapshot folder of {@code repoId} in the hub cache {@code root}: at {@code revision} (a ref such as
     * {@code main}, or a snapshot name), {@code refs/main} when it is null. The id must be {@code ORG/NAME} or
     * {@code NAME} with no {@code ..}, so the result stays inside {@code root}; a repo or revision that is not cached
     * is an error saying how to fetch it.
     */
    public static Path snapshot(Path root, RepoType type, String repoId, String revision) {
        if (repoId == null || !isRepoId(repoId)) {
            throw new UserInputException(type.noun + " id '" + repoId + "' is not a Hugging Face repo id (ORG/NAME or NAME:"
                    + " letters, digits, '.', '_' and '-', no '..')");
        }
        Path repo = root.resolve(type.folderName(repoId));
        String fetch = "amalgam reads the Hugging Face cache and never downloads: on a machine with internet run `"
                + type.downloadCommand(repoId) + "` (older huggingface_hub: `huggingface-cli download" + type.downloadFlag + " "
                + repoId + "`), then copy its cache folder '" + type.folderName(repoId) + "' into " + root
                + " (or point HF_HUB_CACHE at a cache that has it)";
        if (!Files.isDirectory(repo)) {
            throw new UserInputException(type.noun + " '" + repoId + "' is not in the Hugging Face cache at " + root + "; " + fetch);
        }
        String ref = revision == null ? "main" : revision;
        if (!REVISION.matcher(ref).matches() || ref.contains("..")) {
            throw new UserInputException(type.noun + " '" + repoId + "': revision '" + ref + "' is not a valid revision name");
        }
        if (Files.isRegularFile(repo.resolve("refs").resolve(ref))) {
            return snapshotOf(repo, ref);
        }
        Path named = repo.resolve("snapshots").resolve(ref);
        if (revision != null && SNAPSHOT_NAME.matcher(ref).matches() && Files.isDirectory(named)) {
            return named;
        }
        throw new UserInputException(type.noun + " '" + repoId + "': revision '" + ref + "' is not in the Hugging Face cache at "
                + repo + "; " + fetch);
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

package amalgam.io;

import java.nio.file.Path;

/**
 * Where amalgam keeps what it can recompute (file digests, reference evaluations): {@code -Damalgam.cache} or
 * {@code AMALGAM_CACHE} if set, else {@code $XDG_CACHE_HOME/amalgam}, else {@code ~/.cache/amalgam}.
 */
public final class UserCache {
    private UserCache() {
    }

    /** The cache's folder for one kind of entry, e.g. {@code sha256} or {@code reference}. */
    public static Path folder(String kind) {
        return root().resolve(kind);
    }

    private static Path root() {
        String explicit = System.getProperty("amalgam.cache", System.getenv("AMALGAM_CACHE"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("amalgam");
    }
}

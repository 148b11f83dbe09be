package amalgam.io;

import java.nio.file.Path;

/**
 * Where amalgam keeps what it cannot recompute (the run records): {@code -Damalgam.data} or {@code AMALGAM_DATA} if
 * set, else {@code $XDG_DATA_HOME/amalgam}, else {@code ~/.local/share/amalgam}. The counterpart of {@link UserCache};
 * not {@code AMALGAM_HOME}, which names the installation (where the built-in zoo lives).
 */
public final class UserData {
    private UserData() {
    }

    /** The data folder's subfolder for one kind of entry, e.g. {@code runs}. */
    public static Path folder(String kind) {
        return root().resolve(kind);
    }

    private static Path root() {
        String explicit = System.getProperty("amalgam.data", System.getenv("AMALGAM_DATA"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("amalgam");
    }
}

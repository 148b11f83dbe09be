package amalgam.report;

import amalgam.io.UserData;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Where run records go and whether they are kept: the folder {@code --records DIR} names, else {@code runs/} of the
 * data folder ({@code -Damalgam.data}, {@code AMALGAM_DATA}, {@code $XDG_DATA_HOME/amalgam}, {@code
 * ~/.local/share/amalgam}); recording is off with {@code --no-record} or {@code AMALGAM_RECORD=off} (or 0, false, no).
 */
public record RecordsLocation(Path folder, boolean enabled) {
    private static final Set<String> OFF = Set.of("off", "0", "false", "no");

    /** From the command's options: {@code folder} may be null (the default), {@code noRecord} is {@code --no-record}. */
    public static RecordsLocation of(Path folder, boolean noRecord) {
        String setting = System.getenv("AMALGAM_RECORD");
        boolean off = noRecord || setting != null && OFF.contains(setting.strip().toLowerCase(Locale.ROOT));
        return new RecordsLocation(folder != null ? folder : UserData.folder("runs"), !off);
    }
}

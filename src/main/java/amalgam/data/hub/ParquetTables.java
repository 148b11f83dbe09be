package amalgam.data.hub;

import amalgam.UserInputException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * DuckDB as amalgam's parquet reader: a private in-memory database per use (opening one costs about 15 ms once the
 * native library is loaded), one thread, and no extension auto-install, so reading a dataset never touches the
 * network. The one place SQL text is built from file names.
 */
final class ParquetTables {
    private ParquetTables() {
    }

    /** A new in-memory database connection; the caller closes it. */
    static Connection connect() {
        Properties settings = new Properties();
        settings.setProperty("threads", "1");
        settings.setProperty("autoinstall_known_extensions", "false");
        settings.setProperty("autoload_known_extensions", "false");
        try {
            return DriverManager.getConnection("jdbc:duckdb:", settings);
        } catch (SQLException | LinkageError e) {
            throw new IllegalStateException("cannot start DuckDB, which reads parquet files (its native library is unpacked"
                    + " into java.io.tmpdir, which must be writable): " + e.getMessage(), e);
        }
    }

    /**
     * {@code file} as an SQL string literal. DuckDB expands glob characters in file names, so a path with any of them
     * is refused rather than read as a pattern.
     */
    static String literal(Path file) {
        String text = file.toAbsolutePath().toString();
        if (text.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}' || c == 0)) {
            throw new UserInputException("parquet file '" + text + "': its path has a character (* ? [ ] { }) that DuckDB"
                    + " would read as a glob; move the hub cache to a path without one");
        }
        return "'" + text.replace("'", "''") + "'";
    }

    /** A read failure as bad input naming the file and what was being read. */
    static UserInputException unreadable(Path file, String what, SQLException e) {
        String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        return new UserInputException("cannot read " + what + " of parquet file '" + file + "' (corrupt or truncated?): "
                + reason, e);
    }
}

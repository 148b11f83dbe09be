package amalgam.report;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.OptionalDouble;

/** How the {@code runs} commands print values: accuracy in percent, local times, durations, sizes. */
final class Formats {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private Formats() {
    }

    static String percent(OptionalDouble accuracy) {
        return accuracy.isPresent() ? String.format(Locale.ROOT, "%.1f", 100 * accuracy.getAsDouble()) : "-";
    }

    static String number(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.4f", value.getAsDouble()) : "-";
    }

    static String time(Instant instant) {
        return instant == null ? "-" : LOCAL.format(instant);
    }

    static String duration(Duration duration) {
        if (duration == null) {
            return "-";
        }
        double seconds = duration.toMillis() / 1000.0;
        return seconds < 120 ? String.format(Locale.ROOT, "%.1f s", seconds) : String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }

    static String bytes(long bytes) {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** A parameter value as one line of JSON (numbers as Java prints them, strings without quotes). */
    static String value(Object value) {
        return value instanceof String text ? text : RecordJson.write(value);
    }
}

package amalgam.config;

import amalgam.UserInputException;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's {@code datetime.strftime} for Hydra's {@code ${now:...}} resolver (the C-locale directives). */
final class Strftime {
    private Strftime() {
    }

    static String format(ZonedDateTime time, String pattern) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (++i >= pattern.length()) {
                throw new UserInputException("${now:" + pattern + "}: the pattern ends with a lone '%'");
            }
            char directive = pattern.charAt(i);
            out.append(switch (directive) {
                case 'Y' -> String.format("%04d", time.getYear());
                case 'y' -> String.format("%02d", time.getYear() % 100);
                case 'm' -> two(time.getMonthValue());
                case 'd' -> two(time.getDayOfMonth());
                case 'H' -> two(time.getHour());
                case 'I' -> two((time.getHour() + 11) % 12 + 1);
                case 'p' -> time.getHour() < 12 ? "AM" : "PM";
                case 'M' -> two(time.getMinute());
                case 'S' -> two(time.getSecond());
                case 'f' -> String.format("%06d", time.getNano() / 1000);
                case 'j' -> String.format("%03d", time.getDayOfYear());
                case 'a' -> time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> time.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'b' -> time.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> time.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'w' -> String.valueOf(time.getDayOfWeek().getValue() % 7);
                case 'z' -> time.getOffset().getId().equals("Z") ? "+0000" : time.getOffset().getId().replace(":", "");
                case 'Z' -> time.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case '%' -> "%";
                default -> throw new UserInputException("${now:" + pattern + "}: strftime directive %" + directive
                        + " is not supported (supported: %Y %y %m %d %H %I %p %M %S %f %j %a %A %b %B %w %z %Z %%)");
            });
        }
        return out.toString();
    }

    private static String two(int value) {
        return String.format("%02d", value);
    }
}

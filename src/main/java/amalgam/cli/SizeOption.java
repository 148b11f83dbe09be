package amalgam.cli;

import amalgam.UserInputException;
import java.util.Locale;

/** Byte sizes as mergekit writes them: plain bytes, or a number with K/M/B (10^3/10^6/10^9) or Ki/Mi/Gi (2^10..2^30). */
final class SizeOption {
    private SizeOption() {
    }

    static long parse(String text, String optionName) {
        String value = text.trim();
        String upper = value.toUpperCase(Locale.ROOT);
        long multiplier = 1;
        String number = value;
        String[][] units = {{"KI", "1024"}, {"MI", "1048576"}, {"GI", "1073741824"},
            {"K", "1000"}, {"M", "1000000"}, {"B", "1000000000"}, {"G", "1000000000"}};
        for (String[] unit : units) {
            if (upper.endsWith(unit[0])) {
                multiplier = Long.parseLong(unit[1]);
                number = value.substring(0, value.length() - unit[0].length());
                break;
            }
        }
        try {
            double amount = Double.parseDouble(number);
            if (!(amount > 0) || amount * multiplier > Long.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (long) (amount * multiplier);
        } catch (NumberFormatException e) {
            throw new UserInputException(optionName + " '" + text + "' is not a positive size (e.g. 5B, 500M, 2Gi, 1000000)");
        }
    }
}

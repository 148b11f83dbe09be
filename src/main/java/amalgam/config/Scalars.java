package amalgam.config;

import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * The typed literals shared by Hydra's override grammar and OmegaConf's interpolation grammar: an unquoted token
 * that is exactly an int, a float, a bool or null becomes that type; anything else stays a string.
 */
final class Scalars {
    private static final String INT_UNSIGNED = "(?:0|[1-9](?:_?[0-9])*)";
    private static final String POINT_FLOAT = "(?:" + INT_UNSIGNED + "\\.|" + INT_UNSIGNED + "?\\.[0-9](?:_?[0-9])*)";
    private static final Pattern INT = Pattern.compile("[+-]?" + INT_UNSIGNED);
    private static final Pattern FLOAT = Pattern.compile("[+-]?(?:" + POINT_FLOAT + "|(?:" + INT_UNSIGNED + "|"
            + POINT_FLOAT + ")[eE][+-]?[0-9](?:_?[0-9])*|[Ii][Nn][Ff]|[Nn][Aa][Nn])");
    private static final Pattern BOOL = Pattern.compile("(?i:true|false)");
    private static final Pattern NULL = Pattern.compile("(?i:null)");

    private Scalars() {
    }

    /** Whether {@code token} would be read as an int, float, bool or null rather than a string. */
    static boolean isTypedLiteral(String token) {
        return INT.matcher(token).matches() || FLOAT.matcher(token).matches() || BOOL.matcher(token).matches()
                || NULL.matcher(token).matches();
    }

    /** The typed value of one unquoted token; {@code token} itself when it is none of the typed literals. */
    static Object typed(String token) {
        if (INT.matcher(token).matches()) {
            BigInteger value = new BigInteger(token.replace("_", "").replace("+", ""));
            if (value.bitLength() < 32) {
                return value.intValue();
            }
            return value.bitLength() < 64 ? (Object) value.longValue() : value;
        }
        if (FLOAT.matcher(token).matches()) {
            String plain = token.replace("_", "").toLowerCase();
            if (plain.endsWith("inf")) {
                return plain.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            if (plain.endsWith("nan")) {
                return Double.NaN;
            }
            return Double.parseDouble(plain);
        }
        if (BOOL.matcher(token).matches()) {
            return token.equalsIgnoreCase("true");
        }
        if (NULL.matcher(token).matches()) {
            return null;
        }
        return token;
    }
}

package amalgam.model.lm;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Typed reads of one {@code config.json} object with Hugging Face's defaults for absent (or null) keys; a present
 * value of the wrong type is an error naming the file and key.
 *
 * @param node  the JSON object
 * @param where the file, quoted, for messages
 */
record ConfigJson(JsonNode node, String where) {
    ConfigJson {
        if (node == null || !node.isObject()) {
            throw new UserInputException(where + " is not a JSON object");
        }
    }

    boolean has(String key) {
        JsonNode value = node.get(key);
        return value != null && !value.isNull();
    }

    /** A positive integer (sizes, counts). */
    int positiveInteger(String key, int fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() <= 0) {
            throw new UserInputException(where + ": key '" + key + "' must be a positive integer, got " + value);
        }
        return value.intValue();
    }

    /** A positive integer, or 0 when the key is absent or null. */
    int optionalPositiveInteger(String key) {
        return has(key) ? positiveInteger(key, 0) : 0;
    }

    /** A non-negative integer (layer indices). */
    int nonNegativeInteger(String key, int fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
            throw new UserInputException(where + ": key '" + key + "' must be a non-negative integer, got " + value);
        }
        return value.intValue();
    }

    /** A finite positive number (epsilons, rope theta, scaling factors). */
    double positiveNumber(String key, double fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.isNumber() || !Double.isFinite(value.doubleValue()) || value.doubleValue() <= 0) {
            throw new UserInputException(where + ": key '" + key + "' must be a positive number, got " + value);
        }
        return value.doubleValue();
    }

    /** A positive number that must be present. */
    double requiredPositiveNumber(String key) {
        if (!has(key)) {
            throw new UserInputException(where + ": key '" + key + "' is missing");
        }
        return positiveNumber(key, 0);
    }

    boolean bool(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.isBoolean()) {
            throw new UserInputException(where + ": key '" + key + "' must be true or false, got " + value);
        }
        return value.booleanValue();
    }

    String text(String key, String fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.isTextual()) {
            throw new UserInputException(where + ": key '" + key + "' must be a string, got " + value);
        }
        return value.textValue();
    }

    /** The nested object under {@code key}, or null when absent or null. */
    ConfigJson object(String key) {
        return has(key) ? new ConfigJson(node.get(key), where + " '" + key + "'") : null;
    }
}

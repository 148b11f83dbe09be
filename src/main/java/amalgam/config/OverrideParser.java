package amalgam.config;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Hydra's override grammar (hydra/grammar/OverrideParser.g4, Hydra 1.3): {@code [~|+|++]key[@pkg][=value]} where a
 * value is a primitive (typed when it is one int/float/bool/null token, a string otherwise, {@code ${...}} kept
 * as text), a quoted string, a list {@code [a,b]}, a dict {@code {a: 1}}, a comma sweep {@code a,b}, or a sweep
 * function {@code choice(..)} / {@code range(..)}. One difference: a {@code ${...}} may nest ({@code ${oc.env:A,${b}}}),
 * which Hydra's lexer only allows inside quotes.
 */
final class OverrideParser {
    private static final Pattern GROUP = Pattern.compile("[A-Za-z_][\\w-]*(/[A-Za-z_][\\w-]*)+");
    private static final Pattern KEY_SEGMENT = Pattern.compile("[A-Za-z_$][\\w$-]*|0|[1-9][0-9]*");
    private static final Pattern ID = Pattern.compile("[A-Za-z_][\\w-]*");
    private static final String DELIMITERS = ",[]{}()='\"";

    private final String text;
    private final String input;
    private int pos;

    private OverrideParser(String text, String input) {
        this.text = text;
        this.input = input;
    }

    static HydraOverride parse(String argument) {
        HydraOverride.Type type = HydraOverride.Type.CHANGE;
        String rest = argument;
        if (rest.startsWith("~")) {
            type = HydraOverride.Type.DELETE;
            rest = rest.substring(1);
        } else if (rest.startsWith("++")) {
            type = HydraOverride.Type.FORCE_ADD;
            rest = rest.substring(2);
        } else if (rest.startsWith("+")) {
            type = HydraOverride.Type.ADD;
            rest = rest.substring(1);
        }
        int equals = rest.indexOf('=');
        if (equals < 0 && type != HydraOverride.Type.DELETE) {
            throw new UserInputException("argument '" + argument + "' is not an override: write key=value, +key=value, "
                    + "++key=value, ~key or group=option");
        }
        String keyText = equals < 0 ? rest : rest.substring(0, equals);
        int at = keyText.indexOf('@');
        String key = at < 0 ? keyText : keyText.substring(0, at);
        String packageName = at < 0 ? null : keyText.substring(at + 1);
        checkKey(key, argument);
        if (packageName != null && !packageName.isEmpty() && !isDottedKey(packageName)) {
            throw new UserInputException("override '" + argument + "': package '" + packageName + "' is not a dotted key");
        }
        if (equals < 0 || (type == HydraOverride.Type.DELETE && equals == rest.length() - 1)) {
            return new HydraOverride(type, key, packageName, null, argument);
        }
        OverrideParser parser = new OverrideParser(argument, rest.substring(equals + 1));
        return new HydraOverride(type, key, packageName, parser.value(), argument);
    }

    private static void checkKey(String key, String argument) {
        if (!GROUP.matcher(key).matches() && !isDottedKey(key)) {
            throw new UserInputException("override '" + argument + "': '" + key + "' is not a config key (a.b.c) or a "
                    + "config group (group or group/sub)");
        }
    }

    private static boolean isDottedKey(String key) {
        for (String segment : key.split("\\.", -1)) {
            if (!KEY_SEGMENT.matcher(segment).matches()) {
                return false;
            }
        }
        return true;
    }

    private OverrideValue value() {
        skipSpaces();
        if (atEnd()) {
            return new OverrideValue.Element("");
        }
        Object first = element(true);
        if (first instanceof OverrideValue sweep) {
            skipSpaces();
            expectEnd();
            return sweep;
        }
        skipSpaces();
        if (atEnd()) {
            return new OverrideValue.Element(first);
        }
        if (peek() != ',') {
            throw error("unexpected '" + peek() + "'");
        }
        List<Object> values = new ArrayList<>();
        values.add(first);
        while (!atEnd() && peek() == ',') {
            pos++;
            skipSpaces();
            values.add(element(false));
            skipSpaces();
        }
        expectEnd();
        return new OverrideValue.ChoiceSweep(values, true);
    }

    /** One element; at the top, a sweep function comes back as an {@link OverrideValue}. */
    private Object element(boolean top) {
        if (atEnd()) {
            throw error("a value is missing");
        }
        char c = peek();
        if (c == '[') {
            return list();
        }
        if (c == '{') {
            return dict();
        }
        if (c == '\'' || c == '"') {
            String quoted = quoted();
            skipSpaces();
            if (!atEnd() && DELIMITERS.indexOf(peek()) < 0) {
                throw error("text after a quoted string; quote the whole value");
            }
            return quoted;
        }
        int start = pos;
        String raw = primitiveText();
        if (!atEnd() && peek() == '(' && ID.matcher(raw.strip()).matches()) {
            return function(raw.strip(), top);
        }
        if (raw.isBlank()) {
            pos = start;
            throw error("a value is missing");
        }
        return primitive(raw);
    }

    private List<Object> list() {
        pos++; // [
        List<Object> items = new ArrayList<>();
        skipSpaces();
        if (!atEnd() && peek() == ']') {
            pos++;
            return items;
        }
        while (true) {
            skipSpaces();
            items.add(element(false));
            skipSpaces();
            if (atEnd()) {
                throw error("a list is not closed with ']'");
            }
            char c = input.charAt(pos++);
            if (c == ']') {
                return items;
            }
            if (c != ',') {
                throw error("expected ',' or ']' in a list");
            }
        }
    }

    private Map<String, Object> dict() {
        pos++; // {
        Map<String, Object> map = new LinkedHashMap<>();
        skipSpaces();
        if (!atEnd() && peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipSpaces();
            int start = pos;
            while (!atEnd() && peek() != ':' && DELIMITERS.indexOf(peek()) < 0) {
                pos++;
            }
            String key = input.substring(start, pos).strip();
            if (key.isEmpty() || atEnd() || peek() != ':') {
                throw error("expected 'key: value' in a dict");
            }
            pos++;
            skipSpaces();
            Object keyValue = primitive(key);
            map.put(String.valueOf(keyValue), element(false));
            skipSpaces();
            if (atEnd()) {
                throw error("a dict is not closed with '}'");
            }
            char c = input.charAt(pos++);
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                throw error("expected ',' or '}' in a dict");
            }
        }
    }

    /** A quoted string: a backslash escapes the quote and backslashes right before a quote; others stay. */
    private String quoted() {
        char quote = input.charAt(pos++);
        StringBuilder out = new StringBuilder();
        while (!atEnd()) {
            char c = input.charAt(pos);
            if (c == '\\') {
                int run = 0;
                while (pos + run < input.length() && input.charAt(pos + run) == '\\') {
                    run++;
                }
                pos += run;
                if (!atEnd() && peek() == quote) {
                    out.append("\\".repeat(run / 2));
                    if (run % 2 == 1) {
                        out.append(quote);
                        pos++;
                        continue;
                    }
                    pos++;
                    return out.toString();
                }
                out.append("\\".repeat(run));
                continue;
            }
            pos++;
            if (c == quote) {
                return out.toString();
            }
            out.append(c);
        }
        throw error("a quoted string is not closed with " + quote);
    }

    /** The raw text of a primitive up to a delimiter, with {@code ${...}} taken whole and escapes kept. */
    private String primitiveText() {
        int start = pos;
        while (!atEnd()) {
            char c = peek();
            if (c == '$' && pos + 1 < input.length() && input.charAt(pos + 1) == '{') {
                skipInterpolation();
                continue;
            }
            if (c == '\\' && pos + 1 < input.length() && "\\()[]{}:=, \t".indexOf(input.charAt(pos + 1)) >= 0) {
                pos += 2;
                continue;
            }
            if (DELIMITERS.indexOf(c) >= 0) {
                break;
            }
            pos++;
        }
        return input.substring(start, pos);
    }

    private void skipInterpolation() {
        int depth = 0;
        while (!atEnd()) {
            char c = input.charAt(pos);
            if (c == '$' && pos + 1 < input.length() && input.charAt(pos + 1) == '{') {
                depth++;
                pos += 2;
                continue;
            }
            pos++;
            if (c == '}' && --depth == 0) {
                return;
            }
        }
        throw error("an interpolation '${' is not closed with '}'");
    }

    /** A primitive: typed when it is one token, a string (escapes undone) otherwise. */
    private static Object primitive(String raw) {
        String token = raw.strip();
        if (Scalars.isTypedLiteral(token)) {
            return Scalars.typed(token);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '\\' && i + 1 < token.length() && "\\()[]{}:=, \t".indexOf(token.charAt(i + 1)) >= 0) {
                out.append(token.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private Object function(String name, boolean top) {
        pos++; // (
        List<Object> args = new ArrayList<>();
        Map<String, Object> named = new LinkedHashMap<>();
        skipSpaces();
        if (!atEnd() && peek() == ')') {
            pos++;
        } else {
            while (true) {
                skipSpaces();
                int mark = pos;
                String maybeName = primitiveText().strip();
                if (!atEnd() && peek() == '=' && ID.matcher(maybeName).matches()) {
                    pos++;
                    skipSpaces();
                    named.put(maybeName, element(false));
                } else {
                    pos = mark;
                    if (!named.isEmpty()) {
                        throw error("a positional argument follows a named one in " + name + "(...)");
                    }
                    args.add(element(false));
                }
                skipSpaces();
                if (atEnd()) {
                    throw error(name + "(...) is not closed with ')'");
                }
                char c = input.charAt(pos++);
                if (c == ')') {
                    break;
                }
                if (c != ',') {
                    throw error("expected ',' or ')' in " + name + "(...)");
                }
            }
        }
        if (!top) {
            throw error("function " + name + "(...) can only be the whole value");
        }
        return switch (name) {
            case "choice" -> {
                if (!named.isEmpty() || args.isEmpty()) {
                    throw error("choice(...) takes one or more values, without names");
                }
                yield new OverrideValue.ChoiceSweep(args, false);
            }
            case "range" -> range(args, named);
            default -> throw error("function '" + name + "' is not supported by amalgam (supported: choice, range)");
        };
    }

    private OverrideValue range(List<Object> args, Map<String, Object> named) {
        List<Object> all = new ArrayList<>(args);
        for (String parameter : List.of("start", "stop", "step")) {
            if (named.containsKey(parameter)) {
                if (all.size() != List.of("start", "stop", "step").indexOf(parameter)) {
                    throw error("range(...) arguments must be start, stop, step in order");
                }
                all.add(named.remove(parameter));
            }
        }
        if (!named.isEmpty() || all.isEmpty() || all.size() > 3 || !all.stream().allMatch(a -> a instanceof Integer
                || a instanceof Double)) {
            throw error("range(...) takes 1 to 3 numbers: range(stop), range(start, stop), range(start, stop, step)");
        }
        Number start = all.size() == 1 ? 0 : (Number) all.get(0);
        Number stop = (Number) (all.size() == 1 ? all.get(0) : all.get(1));
        Number step = all.size() == 3 ? (Number) all.get(2) : 1;
        return new OverrideValue.RangeSweep(start, stop, step);
    }

    private void skipSpaces() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private void expectEnd() {
        if (!atEnd()) {
            throw error("unexpected '" + peek() + "'");
        }
    }

    private boolean atEnd() {
        return pos >= input.length();
    }

    private char peek() {
        return input.charAt(pos);
    }

    private UserInputException error(String problem) {
        return new UserInputException("override '" + text + "': " + problem + " at character " + (pos + 1)
                + " of value '" + input + "'");
    }
}

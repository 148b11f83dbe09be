package amalgam.config;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OmegaConf's interpolation grammar (omegaconf/grammar/OmegaConfGrammar*.g4, OmegaConf 2.3): top-level text with
 * {@code ${key}} references ({@code \${} is a literal), keys as {@code a.b}, {@code a[0]}, {@code .rel}, and resolver
 * calls {@code ${name:arg,...}} whose arguments are typed primitives, quoted strings, lists, dicts or interpolations.
 */
final class InterpolationParser {
    private static final int MAX_NESTING = 32;
    private static final String KEY_STOP = "\\{}()[]:. \t'\"";
    private static final String ESCAPABLE = "\\()[]{}:=, \t";

    private final String s;
    private int pos;
    private int nesting;

    private InterpolationParser(String s) {
        this.s = s;
    }

    /** A config value string (which contains {@code ${}}). */
    static Expr parseValue(String text) {
        InterpolationParser parser = new InterpolationParser(text);
        return parser.topLevel();
    }

    /** One element as {@code oc.decode} reads it: a primitive, quoted string, list or dict. */
    static Expr parseElement(String text) {
        InterpolationParser parser = new InterpolationParser(text);
        parser.skipSpaces();
        Expr element = parser.element();
        parser.skipSpaces();
        if (!parser.atEnd()) {
            throw parser.error("unexpected '" + parser.peek() + "'");
        }
        return element;
    }

    private Expr topLevel() {
        List<Expr> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        while (!atEnd()) {
            char c = peek();
            if (c == '\\') {
                int run = backslashes();
                if (s.startsWith("${", pos + run)) {
                    text.append("\\".repeat(run / 2));
                    pos += run;
                    if (run % 2 == 1) {
                        text.append("${");
                        pos += 2;
                    }
                } else {
                    text.append("\\".repeat(run));
                    pos += run;
                }
                continue;
            }
            if (s.startsWith("${", pos)) {
                flush(text, parts);
                parts.add(interpolation());
                continue;
            }
            text.append(c);
            pos++;
        }
        flush(text, parts);
        return new Expr.Concat(parts, false);
    }

    private Expr interpolation() {
        if (++nesting > MAX_NESTING) {
            throw error("interpolations nest more than " + MAX_NESTING + " levels");
        }
        int start = pos;
        pos += 2; // ${
        skipSpaces();
        Expr result;
        int mark = pos;
        List<Expr> name = resolverName();
        skipSpaces();
        if (name != null && !atEnd() && peek() == ':') {
            pos++;
            skipSpaces();
            List<Expr> args = new ArrayList<>();
            if (!atEnd() && peek() == '}') {
                pos++;
            } else {
                args = sequence('}');
            }
            result = new Expr.Call(name, args, s.substring(start, pos));
        } else {
            pos = mark;
            result = nodeRef(start);
        }
        nesting--;
        return result;
    }

    /** {@code oc.env}, {@code ns.${x}}; null when the text here is not a resolver name. */
    private List<Expr> resolverName() {
        List<Expr> parts = new ArrayList<>();
        while (true) {
            if (s.startsWith("${", pos)) {
                parts.add(interpolation());
            } else {
                int start = pos;
                if (atEnd() || !(Character.isLetter(peek()) || peek() == '_')) {
                    return null;
                }
                while (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '-')) {
                    pos++;
                }
                parts.add(new Expr.Literal(s.substring(start, pos)));
            }
            if (!atEnd() && peek() == '.') {
                pos++;
                parts.add(new Expr.Literal("."));
                continue;
            }
            return parts;
        }
    }

    private Expr nodeRef(int start) {
        int dots = 0;
        while (!atEnd() && peek() == '.') {
            dots++;
            pos++;
        }
        List<Expr> keys = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (atEnd()) {
                throw error("'${' is not closed with '}'");
            }
            char c = peek();
            if (c == '[') {
                pos++;
                keys.add(configKey());
                expect(']');
            } else if (first) {
                keys.add(configKey());
            } else if (c == '.') {
                pos++;
                keys.add(configKey());
            } else {
                break;
            }
            first = false;
        }
        skipSpaces();
        expect('}');
        return new Expr.NodeRef(dots, keys, s.substring(start, pos));
    }

    private Expr configKey() {
        if (s.startsWith("${", pos)) {
            return interpolation();
        }
        int start = pos;
        while (!atEnd() && KEY_STOP.indexOf(peek()) < 0) {
            pos++;
        }
        if (pos == start) {
            throw error("a key is missing");
        }
        return new Expr.Literal(s.substring(start, pos));
    }

    /** Comma-separated elements up to {@code close}; an empty element is the empty string. */
    private List<Expr> sequence(char close) {
        List<Expr> items = new ArrayList<>();
        while (true) {
            skipSpaces();
            if (!atEnd() && (peek() == ',' || peek() == close)) {
                items.add(new Expr.Literal(""));
            } else {
                items.add(element());
            }
            skipSpaces();
            if (atEnd()) {
                throw error("'" + close + "' is missing");
            }
            char c = s.charAt(pos++);
            if (c == close) {
                return items;
            }
            if (c != ',') {
                throw error("expected ',' or '" + close + "'");
            }
        }
    }

    private Expr element() {
        if (atEnd()) {
            throw error("a value is missing");
        }
        char c = peek();
        if (c == '[') {
            pos++;
            skipSpaces();
            if (!atEnd() && peek() == ']') {
                pos++;
                return new Expr.ListValue(List.of());
            }
            return new Expr.ListValue(sequence(']'));
        }
        if (c == '{' ) {
            return dict();
        }
        if (c == '\'' || c == '"') {
            return quoted();
        }
        return primitive();
    }

    private Expr dict() {
        pos++; // {
        Map<String, Expr> entries = new LinkedHashMap<>();
        skipSpaces();
        if (!atEnd() && peek() == '}') {
            pos++;
            return new Expr.DictValue(entries);
        }
        while (true) {
            skipSpaces();
            int start = pos;
            while (!atEnd() && ":,{}[]'\"".indexOf(peek()) < 0 && !s.startsWith("${", pos)) {
                pos++;
            }
            String key = s.substring(start, pos).strip();
            if (key.isEmpty()) {
                throw error("a dict key is missing");
            }
            expect(':');
            skipSpaces();
            entries.put(String.valueOf(Scalars.typed(key)), element());
            skipSpaces();
            if (atEnd()) {
                throw error("'}' is missing");
            }
            char c = s.charAt(pos++);
            if (c == '}') {
                return new Expr.DictValue(entries);
            }
            if (c != ',') {
                throw error("expected ',' or '}' in a dict");
            }
        }
    }

    private Expr quoted() {
        char quote = s.charAt(pos++);
        List<Expr> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        while (!atEnd()) {
            char c = peek();
            if (c == '\\') {
                int run = backslashes();
                pos += run;
                if (!atEnd() && peek() == quote) {
                    text.append("\\".repeat(run / 2));
                    if (run % 2 == 1) {
                        text.append(quote);
                        pos++;
                        continue;
                    }
                } else if (s.startsWith("${", pos)) {
                    text.append("\\".repeat(run / 2));
                    if (run % 2 == 1) {
                        text.append("${");
                        pos += 2;
                    }
                    continue;
                } else {
                    text.append("\\".repeat(run));
                    continue;
                }
            }
            c = peek();
            if (c == quote) {
                pos++;
                flush(text, parts);
                return new Expr.Concat(parts, true);
            }
            if (s.startsWith("${", pos)) {
                flush(text, parts);
                parts.add(interpolation());
                continue;
            }
            text.append(c);
            pos++;
        }
        throw error("a quoted string is not closed with " + quote);
    }

    /** An unquoted argument: typed when it is one int/float/bool/null token, else text and interpolations. */
    private Expr primitive() {
        List<Expr> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        boolean escaped = false;
        while (!atEnd()) {
            char c = peek();
            if (s.startsWith("${", pos)) {
                flush(text, parts);
                parts.add(interpolation());
                continue;
            }
            if (c == '\\' && pos + 1 < s.length() && ESCAPABLE.indexOf(s.charAt(pos + 1)) >= 0) {
                text.append(s.charAt(pos + 1));
                pos += 2;
                escaped = true;
                continue;
            }
            if (",}]{['\"".indexOf(c) >= 0) {
                break;
            }
            text.append(c);
            pos++;
        }
        flush(text, parts);
        trim(parts);
        if (parts.isEmpty()) {
            throw error("a value is missing");
        }
        if (parts.size() == 1 && !(parts.getFirst() instanceof Expr.Literal)) {
            return parts.getFirst();
        }
        if (parts.size() == 1 && !escaped) {
            String token = (String) ((Expr.Literal) parts.getFirst()).value();
            return new Expr.Literal(Scalars.typed(token));
        }
        return new Expr.Concat(parts, true);
    }

    /** Drops the spaces around an argument (the grammar's COMMA and BRACE_CLOSE take them). */
    private static void trim(List<Expr> parts) {
        if (!parts.isEmpty() && parts.getFirst() instanceof Expr.Literal(String first)) {
            String stripped = first.stripLeading();
            parts.set(0, new Expr.Literal(stripped));
        }
        if (!parts.isEmpty() && parts.getLast() instanceof Expr.Literal(String last)) {
            parts.set(parts.size() - 1, new Expr.Literal(last.stripTrailing()));
        }
        parts.removeIf(part -> part instanceof Expr.Literal(String text) && text.isEmpty());
    }

    private static void flush(StringBuilder text, List<Expr> parts) {
        if (!text.isEmpty()) {
            parts.add(new Expr.Literal(text.toString()));
            text.setLength(0);
        }
    }

    private int backslashes() {
        int run = 0;
        while (pos + run < s.length() && s.charAt(pos + run) == '\\') {
            run++;
        }
        return run;
    }

    private void expect(char c) {
        if (atEnd() || peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private void skipSpaces() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private boolean atEnd() {
        return pos >= s.length();
    }

    private char peek() {
        return s.charAt(pos);
    }

    private UserInputException error(String problem) {
        return new UserInputException("invalid interpolation '" + s + "': " + problem + " at character " + (pos + 1));
    }
}

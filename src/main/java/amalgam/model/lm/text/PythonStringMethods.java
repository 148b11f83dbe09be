package amalgam.model.lm.text;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The methods of Python's {@code str} that chat templates call ({@code content.strip()}, {@code .split('</think>')},
 * {@code .startswith(...)}, ...) on template strings, which Jinjava holds as Java strings: Jinja2 runs templates in
 * Python, where they are the string's own methods. Other calls fall through to Jinjava's resolver.
 */
final class PythonStringMethods extends ELResolver {
    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (!(base instanceof String text) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(text, method.toString(), args);
        if (result != null) {
            context.setPropertyResolved(true);
        }
        return result;
    }

    /** The method's result, or null when it is not one of these (with these arguments). */
    private static Object call(String text, String method, Object[] args) {
        return switch (method) {
            case "strip" -> args.length <= 1 ? stripRight(stripLeft(text, chars(args)), chars(args)) : null;
            case "lstrip" -> args.length <= 1 ? stripLeft(text, chars(args)) : null;
            case "rstrip" -> args.length <= 1 ? stripRight(text, chars(args)) : null;
            case "startswith" -> args.length == 1 ? text.startsWith(String.valueOf(args[0])) : null;
            case "endswith" -> args.length == 1 ? text.endsWith(String.valueOf(args[0])) : null;
            case "split" -> args.length <= 2 ? split(text, args.length == 0 ? null : (String) args[0],
                    args.length == 2 ? ((Number) args[1]).intValue() : -1) : null;
            case "lower" -> args.length == 0 ? text.toLowerCase(Locale.ROOT) : null;
            case "upper" -> args.length == 0 ? text.toUpperCase(Locale.ROOT) : null;
            case "title" -> args.length == 0 ? title(text) : null;
            case "capitalize" -> args.length == 0 ? capitalize(text) : null;
            case "find" -> args.length == 1 ? (Object) text.indexOf(String.valueOf(args[0])) : null;
            case "count" -> args.length == 1 ? (Object) count(text, String.valueOf(args[0])) : null;
            case "join" -> args.length == 1 && args[0] instanceof Iterable<?> parts ? join(text, parts) : null;
            default -> null;
        };
    }

    /** The characters to strip: null for Python's default, whitespace. */
    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : args[0].toString();
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    private static String stripLeft(String text, String chars) {
        int start = 0;
        while (start < text.length() && stripped(text.charAt(start), chars)) {
            start++;
        }
        return text.substring(start);
    }

    private static String stripRight(String text, String chars) {
        int end = text.length();
        while (end > 0 && stripped(text.charAt(end - 1), chars)) {
            end--;
        }
        return text.substring(0, end);
    }

    /** Python's split: on runs of whitespace dropping empty parts (no separator), else on the separator exactly. */
    private static List<String> split(String text, String separator, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            int i = 0;
            while (true) {
                while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
                if (i == text.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(stripRight(text.substring(i), null));
                    return parts;
                }
                int end = i;
                while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
                    end++;
                }
                parts.add(text.substring(i, end));
                i = end;
            }
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int from = 0;
        for (int at = text.indexOf(separator); at >= 0 && (maxSplit < 0 || parts.size() < maxSplit); at = text.indexOf(separator, from)) {
            parts.add(text.substring(from, at));
            from = at + separator.length();
        }
        parts.add(text.substring(from));
        return parts;
    }

    private static String title(String text) {
        StringBuilder titled = new StringBuilder(text.length());
        boolean previousCased = false;
        for (char c : text.toCharArray()) {
            titled.append(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isLetter(c);
        }
        return titled.toString();
    }

    private static String capitalize(String text) {
        return text.isEmpty() ? text : Character.toTitleCase(text.charAt(0)) + text.substring(1).toLowerCase(Locale.ROOT);
    }

    private static int count(String text, String part) {
        if (part.isEmpty()) {
            return text.length() + 1;
        }
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    private static String join(String separator, Iterable<?> parts) {
        List<String> texts = new ArrayList<>();
        parts.forEach(part -> texts.add(String.valueOf(part)));
        return String.join(separator, texts);
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // read-only: templates never set a string's attributes
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}

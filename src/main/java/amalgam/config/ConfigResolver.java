package amalgam.config;

import amalgam.UserInputException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves OmegaConf interpolations over a whole composed config, lazily and transitively: a value that references
 * an interpolated value gets that value resolved first; a value that is one reference keeps the referenced value's
 * type. Built-in resolvers: {@code oc.env}, {@code oc.select}, {@code oc.decode}, Hydra's {@code now} and
 * {@code hydra}. Cycles, missing keys, MISSING values and unknown resolvers are errors naming the key.
 */
final class ConfigResolver {
    private static final int MAX_DEPTH = 64;
    private static final List<String> RESOLVERS = List.of("oc.env", "oc.select", "oc.decode", "now", "hydra");

    private final Map<String, Object> root;
    private final HydraRuntime runtime;
    private final Map<String, Object> cache = new HashMap<>();
    private final Deque<String> resolving = new ArrayDeque<>();

    ConfigResolver(Map<String, Object> root, HydraRuntime runtime) {
        this.root = root;
        this.runtime = runtime;
    }

    /** The resolved value at {@code path}: containers deeply resolved, MISSING leaves as {@link Missing#VALUE}. */
    Object resolve(List<String> path) {
        String key = KeyPath.join(path);
        if (cache.containsKey(key)) {
            return cache.get(key);
        }
        KeyPath.Found found = KeyPath.find(root, path);
        Object value;
        if (found.exists()) {
            value = resolveRaw(path, found.value());
        } else {
            value = lookup(path, null); // the path may run through an interpolated node
        }
        cache.put(key, value);
        return value;
    }

    private Object resolveRaw(List<String> path, Object raw) {
        if (raw instanceof Map<?, ?> map) {
            Map<String, Object> resolved = new LinkedHashMap<>();
            for (Object child : map.keySet()) {
                String name = String.valueOf(child);
                resolved.put(name, resolve(KeyPath.append(path, name)));
            }
            return resolved;
        }
        if (raw instanceof List<?> list) {
            List<Object> resolved = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                resolved.add(resolve(KeyPath.append(path, String.valueOf(i))));
            }
            return resolved;
        }
        if (Missing.is(raw)) {
            return Missing.VALUE;
        }
        if (raw instanceof String text && text.contains("${")) {
            return interpolate(path, text);
        }
        return raw;
    }

    private Object interpolate(List<String> path, String text) {
        String key = KeyPath.join(path);
        if (resolving.contains(key)) {
            List<String> cycle = new ArrayList<>(resolving.reversed());
            cycle.add(key);
            throw new UserInputException("interpolation cycle at '" + key + "': " + String.join(" -> ", cycle.subList(
                    cycle.indexOf(key), cycle.size())));
        }
        if (resolving.size() >= MAX_DEPTH) {
            throw new UserInputException("interpolations at '" + key + "' reference each other more than " + MAX_DEPTH
                    + " levels deep");
        }
        resolving.push(key);
        try {
            Expr expr;
            try {
                expr = InterpolationParser.parseValue(text);
            } catch (UserInputException e) {
                throw new UserInputException("config key '" + key + "': " + e.getMessage(), e);
            }
            return evaluate(expr, path);
        } finally {
            resolving.pop();
        }
    }

    private Object evaluate(Expr expr, List<String> at) {
        return switch (expr) {
            case Expr.Literal literal -> literal.value();
            case Expr.Concat concat -> {
                if (!concat.quoted() && concat.parts().size() == 1 && !(concat.parts().getFirst() instanceof Expr.Literal)) {
                    yield evaluate(concat.parts().getFirst(), at);
                }
                StringBuilder text = new StringBuilder();
                for (Expr part : concat.parts()) {
                    text.append(PythonText.of(evaluate(part, at)));
                }
                yield text.toString();
            }
            case Expr.NodeRef ref -> reference(ref, at);
            case Expr.Call call -> call(call, at);
            case Expr.ListValue list -> {
                List<Object> values = new ArrayList<>();
                list.items().forEach(item -> values.add(evaluate(item, at)));
                yield values;
            }
            case Expr.DictValue dict -> {
                Map<String, Object> values = new LinkedHashMap<>();
                dict.entries().forEach((name, item) -> values.put(name, evaluate(item, at)));
                yield values;
            }
        };
    }

    private Object reference(Expr.NodeRef ref, List<String> at) {
        List<String> keys = new ArrayList<>();
        for (Expr key : ref.keys()) {
            keys.add(PythonText.of(evaluate(key, at)));
        }
        List<String> target = target(ref.dots(), keys, at, ref.text());
        Object value = lookup(target, ref.text());
        if (value == Missing.VALUE) {
            throw missing(at, ref.text(), KeyPath.join(target));
        }
        return value;
    }

    /** The absolute path a reference names: from the root, or from the node's parent going up one per extra dot. */
    private static List<String> target(int dots, List<String> keys, List<String> at, String text) {
        if (dots == 0) {
            return keys;
        }
        int up = at.size() - dots;
        if (up < 0) {
            throw new UserInputException("config key '" + KeyPath.join(at) + "': '" + text + "' goes above the top of "
                    + "the config");
        }
        List<String> target = new ArrayList<>(at.subList(0, up));
        target.addAll(keys);
        return target;
    }

    /** The resolved value at {@code target}, stepping through interpolated nodes on the way. */
    private Object lookup(List<String> target, String text) {
        Object node = root;
        for (int i = 0; i < target.size(); i++) {
            Object next = KeyPath.child(node, target.get(i));
            if (next == KeyPath.ABSENT) {
                String where = text == null ? "" : " (in '" + text + "' at '" + resolvingKey() + "')";
                throw new UserInputException("config key '" + KeyPath.join(target.subList(0, i + 1)) + "' does not "
                        + "exist" + where);
            }
            if (i == target.size() - 1) {
                break;
            }
            if (next instanceof String s && s.contains("${") || Missing.is(next)) {
                next = resolve(target.subList(0, i + 1));
                if (next == Missing.VALUE) {
                    throw new UserInputException("config key '" + KeyPath.join(target.subList(0, i + 1)) + "' is "
                            + "missing (???) but '" + KeyPath.join(target) + "' is read through it");
                }
                return stepResolved(next, target, i + 1, text);
            }
            node = next;
        }
        return resolve(target);
    }

    /** The rest of a path inside a value that is already resolved. */
    private Object stepResolved(Object node, List<String> target, int from, String text) {
        for (int i = from; i < target.size(); i++) {
            node = KeyPath.child(node, target.get(i));
            if (node == KeyPath.ABSENT) {
                throw new UserInputException("config key '" + KeyPath.join(target.subList(0, i + 1)) + "' does not "
                        + "exist" + (text == null ? "" : " (in '" + text + "')"));
            }
        }
        return node;
    }

    private Object call(Expr.Call call, List<String> at) {
        StringBuilder name = new StringBuilder();
        call.name().forEach(part -> name.append(PythonText.of(evaluate(part, at))));
        String resolver = name.toString();
        List<Object> args = new ArrayList<>();
        call.args().forEach(arg -> args.add(evaluate(arg, at)));
        String where = "'" + call.text() + "' at '" + KeyPath.join(at) + "'";
        return switch (resolver) {
            case "oc.env" -> env(args, where);
            case "oc.select" -> select(args, at, where);
            case "oc.decode" -> decode(args, at, where);
            case "now" -> {
                arity(args, 1, 1, where);
                yield Strftime.format(runtime.now(), PythonText.of(args.getFirst()));
            }
            case "hydra" -> {
                arity(args, 1, 1, where);
                List<String> path = KeyPath.append(List.of(), "hydra");
                List<String> full = new ArrayList<>(path);
                full.addAll(KeyPath.split(PythonText.of(args.getFirst())));
                Object value = lookup(full, call.text());
                if (value == Missing.VALUE) {
                    throw missing(at, call.text(), KeyPath.join(full));
                }
                yield value;
            }
            default -> throw new UserInputException("unknown resolver '" + resolver + "' in " + where + "; amalgam "
                    + "supports " + String.join(", ", RESOLVERS));
        };
    }

    /** oc.env: the variable, else the default as a string (null stays null), else an error. */
    private Object env(List<Object> args, String where) {
        arity(args, 1, 2, where);
        String variable = PythonText.of(args.getFirst());
        String value = runtime.environment().get(variable);
        if (value != null) {
            return value;
        }
        if (args.size() == 2) {
            return args.get(1) == null ? null : PythonText.of(args.get(1));
        }
        throw new UserInputException("environment variable '" + variable + "' is not set, needed by " + where
                + "; set it or give a default: ${oc.env:" + variable + ",DEFAULT}");
    }

    /** oc.select: the value at a key (relative with leading dots), or the default (null) when absent or missing. */
    private Object select(List<Object> args, List<String> at, String where) {
        arity(args, 1, 2, where);
        String key = PythonText.of(args.getFirst());
        int dots = 0;
        while (dots < key.length() && key.charAt(dots) == '.') {
            dots++;
        }
        List<String> target = target(dots, KeyPath.split(key.substring(dots)), at, key);
        Object fallback = args.size() == 2 ? args.get(1) : null;
        try {
            Object value = lookup(target, null);
            return value == Missing.VALUE ? fallback : value;
        } catch (UserInputException absent) {
            if (absent.getMessage().contains("does not exist")) {
                return fallback;
            }
            throw absent;
        }
    }

    private Object decode(List<Object> args, List<String> at, String where) {
        arity(args, 1, 1, where);
        Object text = args.getFirst();
        if (text == null) {
            return null;
        }
        if (!(text instanceof String string)) {
            throw new UserInputException("oc.decode takes a string, got " + PythonText.of(text) + " in " + where);
        }
        return evaluate(InterpolationParser.parseElement(string), at);
    }

    private static void arity(List<Object> args, int min, int max, String where) {
        if (args.size() < min || args.size() > max) {
            throw new UserInputException("resolver call " + where + " takes " + (min == max ? min : min + " or " + max)
                    + " argument" + (max == 1 ? "" : "s") + ", got " + args.size());
        }
    }

    private static UserInputException missing(List<String> at, String text, String missingKey) {
        return new UserInputException("config key '" + KeyPath.join(at) + "' reads '" + text + "', but '" + missingKey
                + "' is missing (???); set it, e.g. " + missingKey + "=VALUE on the command line");
    }

    private String resolvingKey() {
        return resolving.isEmpty() ? "?" : resolving.peek();
    }
}

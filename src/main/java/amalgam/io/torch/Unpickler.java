package amalgam.io.torch;

import amalgam.UserInputException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle reader that runs no code: values become Java objects (None → null, bool, int → Long, float →
 * Double, str → String, bytes → byte[], tuple and list → List, dict → LinkedHashMap), a global is only a
 * {@link Global} name, and calling one ({@code REDUCE}, {@code NEWOBJ}) or a persistent id is handed to the
 * {@link Objects} the caller supplies, which decides what is allowed. Protocols 0–5, the opcodes a state dict uses.
 */
public final class Unpickler {
    /** A module-level name the pickle refers to, e.g. {@code torch._utils._rebuild_tensor_v2}. */
    public record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** What the pickle's calls and persistent ids mean; anything not allowed is a {@link UserInputException}. */
    public interface Objects {
        Object call(Global callable, List<Object> arguments);

        Object persistent(Object id);
    }

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Object MARK = new Object();

    private final MemorySegment data;
    private final String where;
    private final Objects objects;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long at;

    private Unpickler(MemorySegment data, String where, Objects objects) {
        this.data = data;
        this.where = where;
        this.objects = objects;
    }

    /** The object the pickle in {@code data} describes; {@code where} names it in errors. */
    public static Object load(MemorySegment data, String where, Objects objects) {
        return new Unpickler(data, where, objects).run();
    }

    private Object run() {
        while (true) {
            int opcode = u8();
            switch (opcode) {
                case 0x80 -> u8(); // PROTO
                case 0x95 -> skip(8); // FRAME
                case '.' -> {
                    Object result = pop();
                    if (!stack.isEmpty()) {
                        throw bad("values left on the stack at STOP");
                    }
                    return result;
                }
                case '(' -> {
                    marks.push(stack.size());
                    stack.add(MARK);
                }
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) data.get(INT, take(4)));
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (u8() | (u8() << 8)));
                case 0x8a -> push(littleEndianInteger(u8()));
                case 0x8b -> push(littleEndianInteger(length(data.get(INT, take(4)))));
                case 'I' -> push(textInteger(line()));
                case 'L' -> push(textInteger(line().replaceAll("L$", "")));
                case 'G' -> push(Double.longBitsToDouble(data.get(LONG.withOrder(ByteOrder.BIG_ENDIAN), take(8))));
                case 'X' -> push(utf8(length(data.get(INT, take(4)))));
                case 0x8c -> push(utf8(u8()));
                case 0x8d -> push(utf8(length(data.get(LONG, take(8)))));
                case 'T' -> push(latin1(length(data.get(INT, take(4)))));
                case 'U' -> push(latin1(u8()));
                case 'B' -> push(bytes(length(data.get(INT, take(4)))));
                case 'C' -> push(bytes(u8()));
                case 0x8e -> push(bytes(length(data.get(LONG, take(8)))));
                case ')' -> push(List.of());
                case 't' -> push(tuple(popMark()));
                case 0x85 -> push(tuple(List.of(pop())));
                case 0x86 -> {
                    Object second = pop();
                    push(tuple(List.of(pop(), second)));
                }
                case 0x87 -> {
                    Object third = pop();
                    Object second = pop();
                    push(tuple(List.of(pop(), second, third)));
                }
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'a' -> {
                    Object item = pop();
                    list(peek()).add(item);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> push(dict(new LinkedHashMap<>(), popMark()));
                case 's' -> {
                    Object value = pop();
                    Object key = pop();
                    map(peek()).put(key, value);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    dict(map(peek()), items);
                }
                case 'c' -> push(new Global(line(), line()));
                case 0x93 -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw bad("STACK_GLOBAL needs two strings");
                    }
                    push(new Global(m, n));
                }
                case 'R' -> {
                    Object arguments = pop();
                    push(call(pop(), arguments));
                }
                case 0x81 -> {
                    Object arguments = pop();
                    push(call(pop(), arguments));
                }
                case 'b' -> build(pop(), peek());
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put(Integer.toUnsignedLong(data.get(INT, take(4))), peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'p' -> memo.put(textInteger(line()), peek());
                case 'h' -> push(recall(u8()));
                case 'j' -> push(recall(Integer.toUnsignedLong(data.get(INT, take(4)))));
                case 'g' -> push(recall(textInteger(line())));
                case 'Q' -> push(objects.persistent(pop()));
                case 'P' -> push(objects.persistent(line()));
                default -> throw bad(String.format("unsupported pickle opcode 0x%02x at byte %d", opcode, at - 1));
            }
        }
    }

    private Object call(Object callable, Object arguments) {
        if (!(callable instanceof Global global)) {
            throw bad("a call of something that is not a global (" + describe(callable) + ")");
        }
        if (!(arguments instanceof List<?> list)) {
            throw bad("arguments of " + global + " are not a tuple");
        }
        @SuppressWarnings("unchecked")
        List<Object> args = (List<Object>) list;
        return objects.call(global, args);
    }

    /** BUILD: a dict's state is merged into it; other objects keep no state here (a tensor's is its data). */
    private void build(Object state, Object target) {
        if (target instanceof Map<?, ?> && state instanceof Map<?, ?> entries) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> map = (Map<Object, Object>) target;
            map.putAll(entries);
        }
    }

    private Map<Object, Object> dict(Map<Object, Object> target, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw bad("odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            target.put(items.get(i), items.get(i + 1));
        }
        return target;
    }

    private static List<Object> tuple(List<Object> items) {
        return java.util.Collections.unmodifiableList(new ArrayList<>(items));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value) {
        if (value instanceof ArrayList<?> list) {
            return (List<Object>) list;
        }
        throw bad("APPEND to something that is not a list (" + describe(value) + ")");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object value) {
        if (value instanceof Map<?, ?> map) {
            return (Map<Object, Object>) map;
        }
        throw bad("SETITEM on something that is not a dict (" + describe(value) + ")");
    }

    private Object recall(long index) {
        if (!memo.containsKey(index)) {
            throw bad("memo entry " + index + " used before it was stored");
        }
        return memo.get(index);
    }

    private void push(Object value) {
        stack.add(value);
    }

    private Object pop() {
        if (stack.isEmpty() || stack.getLast() == MARK) {
            throw bad("stack underflow at byte " + at);
        }
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.isEmpty() || stack.getLast() == MARK) {
            throw bad("stack underflow at byte " + at);
        }
        return stack.getLast();
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw bad("no MARK on the stack at byte " + at);
        }
        int mark = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private int u8() {
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, take(1)));
    }

    private void skip(long count) {
        take(count);
    }

    /** Advances past {@code count} bytes and returns where they start. */
    private long take(long count) {
        if (count < 0 || count > data.byteSize() - at) {
            throw bad("truncated at byte " + at);
        }
        long start = at;
        at += count;
        return start;
    }

    private long length(long value) {
        if (value < 0 || value > data.byteSize() - at) {
            throw bad("a length of " + value + " bytes at byte " + at + " runs past the end");
        }
        return value;
    }

    private String utf8(long count) {
        return new String(data.asSlice(take(count), count).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    private String latin1(long count) {
        return new String(data.asSlice(take(count), count).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1);
    }

    private byte[] bytes(long count) {
        return data.asSlice(take(count), count).toArray(ValueLayout.JAVA_BYTE);
    }

    private String line() {
        long start = at;
        while (true) {
            if (u8() == '\n') {
                return new String(data.asSlice(start, at - 1 - start).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            }
        }
    }

    private long littleEndianInteger(long count) {
        if (count > 8) {
            throw bad("an integer of " + count + " bytes (more than 64 bits)");
        }
        long start = take(count);
        long value = 0;
        for (long i = 0; i < count; i++) {
            value |= (long) Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, start + i)) << (8 * i);
        }
        if (count > 0 && count < 8 && (data.get(ValueLayout.JAVA_BYTE, start + count - 1) & 0x80) != 0) {
            value |= -1L << (8 * count);
        }
        return value;
    }

    private long textInteger(String text) {
        String digits = text.strip();
        if (digits.equals("00")) {
            return 0;
        }
        if (digits.equals("01")) {
            return 1;
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw bad("'" + digits + "' is not an integer");
        }
    }

    private static String describe(Object value) {
        return value == null ? "None" : value.getClass().getSimpleName();
    }

    private UserInputException bad(String problem) {
        return new UserInputException("PyTorch checkpoint " + where + ": " + problem);
    }
}

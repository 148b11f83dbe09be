package amalgam.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A seeded mutator: each call stacks one to five mutations on a seed — byte level (bit flips, interesting bytes and
 * integers, inserts, deletes, duplicated ranges, truncation, a splice with another seed) and, for text formats,
 * structure-aware ones (numbers replaced by huge, negative, fractional or NaN values; deep nesting; long strings;
 * dictionary words; lines deleted, duplicated or swapped). Deterministic for a given random source.
 */
final class Mutator {
    private static final byte[] INTERESTING_BYTES = {0, 1, -1, 0x7F, (byte) 0x80, '0', '9', '"', '\'', '\\', '{', '}',
        '[', ']', ',', ':', '-', '\n', ' ', '#', '&', '*', '!', '%', '|', '>'};
    private static final long[] INTERESTING_LONGS = {0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, Integer.MAX_VALUE,
        Integer.MIN_VALUE, 0xFFFFFFFFL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final String[] NUMBERS = {"0", "-0", "1", "-1", "2", "65", "255", "256", "-129", "2147483647",
        "2147483648", "-2147483649", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999999999999999", "1e999", "-1e999", "1e-999", "1.5", "-0.5",
        "0.1", "NaN", "nan", ".nan", ".NaN", "Infinity", "-Infinity", ".inf", "-.inf", "1e308", "4.9e-324", "0x7fffffff",
        "0o777", "1_000", "1:30", "1e5", "+12", "00012"};
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    private final List<byte[]> seeds;
    private final List<byte[]> dictionary;
    private final boolean text;
    private final int maxSize;

    /** Inputs are cut to {@code maxSize} bytes. */
    Mutator(List<byte[]> seeds, List<String> dictionary, boolean text, int maxSize) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seeds to mutate");
        }
        this.seeds = List.copyOf(seeds);
        this.dictionary = dictionary.stream().map(word -> word.getBytes(StandardCharsets.ISO_8859_1)).toList();
        this.text = text;
        this.maxSize = maxSize;
    }

    /** A seed, chosen by {@code random}. */
    byte[] seed(SplittableRandom random) {
        return seeds.get(random.nextInt(seeds.size()));
    }

    /** A mutated input drawn from {@code random} alone. */
    byte[] next(SplittableRandom random) {
        return mutate(seed(random), random);
    }

    /** {@code input} with one to five mutations stacked. */
    byte[] mutate(byte[] input, SplittableRandom random) {
        int count = 1 + random.nextInt(random.nextInt(5) + 1);
        for (int i = 0; i < count; i++) {
            input = once(input, random);
            if (input.length > maxSize) {
                input = Arrays.copyOf(input, maxSize);
            }
        }
        return input;
    }

    private byte[] once(byte[] input, SplittableRandom random) {
        int kinds = text ? 17 : 11;
        return switch (random.nextInt(kinds)) {
            case 0 -> flipBit(input, random);
            case 1 -> setByte(input, random);
            case 2 -> insert(input, random.nextInt(input.length + 1), randomBytes(random, 1 + random.nextInt(16)));
            case 3 -> delete(input, random);
            case 4 -> duplicate(input, random);
            case 5 -> Arrays.copyOf(input, input.length == 0 ? 0 : random.nextInt(input.length));
            case 6 -> splice(input, random);
            case 7 -> putInteger(input, random);
            case 8, 9 -> dictionary.isEmpty() ? flipBit(input, random)
                    : insert(input, random.nextInt(input.length + 1), dictionary.get(random.nextInt(dictionary.size())));
            case 10 -> overwriteWithDictionary(input, random);
            case 11, 12 -> replaceMatch(input, random, NUMBER, NUMBERS[random.nextInt(NUMBERS.length)]);
            case 13 -> replaceMatch(input, random, WORD, dictionary.isEmpty() ? "x"
                    : new String(dictionary.get(random.nextInt(dictionary.size())), StandardCharsets.UTF_8));
            case 14 -> nest(input, random);
            case 15 -> insert(input, random.nextInt(input.length + 1),
                    "A".repeat(1 << random.nextInt(17)).getBytes(StandardCharsets.US_ASCII));
            default -> lines(input, random);
        };
    }

    private static byte[] flipBit(byte[] input, SplittableRandom random) {
        if (input.length == 0) {
            return new byte[] {(byte) random.nextInt(256)};
        }
        byte[] out = input.clone();
        out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    private static byte[] setByte(byte[] input, SplittableRandom random) {
        if (input.length == 0) {
            return new byte[] {INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)]};
        }
        byte[] out = input.clone();
        out[random.nextInt(out.length)] = random.nextBoolean() ? INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)]
                : (byte) random.nextInt(256);
        return out;
    }

    private static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = random.nextBoolean() ? INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)] : (byte) random.nextInt(256);
        }
        return bytes;
    }

    static byte[] insert(byte[] input, int at, byte[] inserted) {
        byte[] out = new byte[input.length + inserted.length];
        System.arraycopy(input, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(input, at, out, at + inserted.length, input.length - at);
        return out;
    }

    static byte[] cut(byte[] input, int from, int to) {
        byte[] out = new byte[input.length - (to - from)];
        System.arraycopy(input, 0, out, 0, from);
        System.arraycopy(input, to, out, from, input.length - to);
        return out;
    }

    private static byte[] delete(byte[] input, SplittableRandom random) {
        if (input.length == 0) {
            return input;
        }
        int from = random.nextInt(input.length);
        int length = 1 + random.nextInt(Math.min(input.length - from, random.nextBoolean() ? 8 : 256));
        return cut(input, from, from + length);
    }

    private static byte[] duplicate(byte[] input, SplittableRandom random) {
        if (input.length == 0) {
            return input;
        }
        int from = random.nextInt(input.length);
        int length = 1 + random.nextInt(Math.min(input.length - from, 512));
        byte[] copy = Arrays.copyOfRange(input, from, from + length);
        byte[] out = input;
        for (int i = random.nextInt(4); i >= 0; i--) {
            out = insert(out, random.nextInt(out.length + 1), copy);
        }
        return out;
    }

    private byte[] splice(byte[] input, SplittableRandom random) {
        byte[] other = seeds.get(random.nextInt(seeds.size()));
        int head = random.nextInt(input.length + 1);
        int tail = random.nextInt(other.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(input, 0, head);
        out.write(other, tail, other.length - tail);
        return out.toByteArray();
    }

    private static byte[] putInteger(byte[] input, SplittableRandom random) {
        int width = 1 << random.nextInt(4);
        if (input.length < width) {
            return flipBit(input, random);
        }
        byte[] out = input.clone();
        long value = INTERESTING_LONGS[random.nextInt(INTERESTING_LONGS.length)];
        if (random.nextInt(4) == 0) {
            value += random.nextInt(33) - 16;
        }
        ByteBuffer buffer = ByteBuffer.wrap(out).order(random.nextInt(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int at = random.nextInt(out.length - width + 1);
        switch (width) {
            case 1 -> buffer.put(at, (byte) value);
            case 2 -> buffer.putShort(at, (short) value);
            case 4 -> buffer.putInt(at, (int) value);
            default -> buffer.putLong(at, value);
        }
        return out;
    }

    private byte[] overwriteWithDictionary(byte[] input, SplittableRandom random) {
        if (dictionary.isEmpty() || input.length == 0) {
            return flipBit(input, random);
        }
        byte[] word = dictionary.get(random.nextInt(dictionary.size()));
        if (word.length > input.length) {
            return word.clone();
        }
        byte[] out = input.clone();
        System.arraycopy(word, 0, out, random.nextInt(input.length - word.length + 1), word.length);
        return out;
    }

    /** One match of {@code pattern} (chosen at random) replaced by {@code replacement}. */
    private static byte[] replaceMatch(byte[] input, SplittableRandom random, Pattern pattern, String replacement) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        List<int[]> matches = new ArrayList<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find() && matches.size() < 4096) {
            matches.add(new int[] {matcher.start(), matcher.end()});
        }
        if (matches.isEmpty()) {
            return insert(input, random.nextInt(input.length + 1), replacement.getBytes(StandardCharsets.UTF_8));
        }
        int[] match = matches.get(random.nextInt(matches.size()));
        return insert(cut(input, match[0], match[1]), match[0], replacement.getBytes(StandardCharsets.UTF_8));
    }

    /** Deep nesting: brackets, braces or YAML block indentation, 10 to 100,000 levels. */
    private static byte[] nest(byte[] input, SplittableRandom random) {
        int depth = (int) Math.pow(10, 1 + random.nextInt(5));
        String nested = switch (random.nextInt(5)) {
            case 0 -> "[".repeat(depth) + "]".repeat(depth);
            case 1 -> "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
            case 2 -> "[".repeat(depth);
            case 3 -> "{a: ".repeat(depth) + "1" + "}".repeat(depth);
            default -> {
                StringBuilder block = new StringBuilder("\n");
                for (int level = 0; level < Math.min(depth, 2000); level++) {
                    block.append(" ".repeat(level)).append("- \n");
                }
                yield block.toString();
            }
        };
        return insert(input, random.nextInt(input.length + 1), nested.getBytes(StandardCharsets.US_ASCII));
    }

    /** A line deleted, duplicated (up to 100 times) or two lines swapped. */
    private static byte[] lines(byte[] input, SplittableRandom random) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        int i = random.nextInt(lines.size());
        int j = random.nextInt(lines.size());
        switch (random.nextInt(3)) {
            case 0 -> lines.remove(i);
            case 1 -> {
                for (int k = 1 + random.nextInt(random.nextBoolean() ? 2 : 100); k > 0; k--) {
                    lines.add(j, lines.get(i));
                }
            }
            default -> {
                String line = lines.get(i);
                lines.set(i, lines.get(j));
                lines.set(j, line);
            }
        }
        return String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1);
    }
}

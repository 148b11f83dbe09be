package amalgam.model.clip;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2 / CLIP byte-level alphabet: each of the 256 byte values maps to one printable character, so that BPE
 * runs on strings without whitespace or control characters. Bytes {@code '!'..'~'}, {@code '¡'..'¬'} and
 * {@code '®'..'ÿ'} map to themselves; the remaining bytes, in increasing order, map to {@code U+0100},
 * {@code U+0101}, ... (so the space byte 0x20 becomes {@code 'Ġ'}).
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = build();

    private ByteLevelAlphabet() {
    }

    private static char[] build() {
        char[] table = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char) b : (char) (256 + next++);
        }
        return table;
    }

    /** The character standing for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b];
    }

    /** The UTF-8 bytes of {@code text}, each replaced by its alphabet character. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }
}

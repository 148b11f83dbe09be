package amalgam.model.clip;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text cleanup {@code CLIPTokenizer} applies when {@code ftfy} is not installed: Hugging Face's
 * {@code BasicTokenizer(strip_accents=False, do_split_on_punc=False)}, whose tokens are joined by single
 * spaces. Steps: drop NUL, U+FFFD and control / format / unassigned / private-use / surrogate characters;
 * turn tab, newline, carriage return and space separators into spaces; put spaces around CJK ideographs;
 * NFC-normalise; split on whitespace; lower-case each token (accents kept).
 */
final class BasicTextCleaner {
    private BasicTextCleaner() {
    }

    /** The cleaned text: tokens joined by single spaces, no leading or trailing space. */
    static String clean(String text) {
        StringBuilder cleaned = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                cleaned.append(' ');
            } else if (isCjk(cp)) {
                cleaned.append(' ').appendCodePoint(cp).append(' ');
            } else {
                cleaned.appendCodePoint(cp);
            }
        });
        String normalized = Normalizer.normalize(cleaned, Normalizer.Form.NFC);
        List<String> tokens = new ArrayList<>();
        for (String token : splitOnWhitespace(normalized)) {
            tokens.addAll(splitOnWhitespace(token.toLowerCase(Locale.ROOT)));
        }
        return String.join(" ", tokens);
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE || type == Character.SURROGATE;
    }

    /** CJK Unified Ideographs and their extensions and compatibility blocks (not Hangul, kana). */
    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** Python's {@code str.split()}: runs of Unicode whitespace separate tokens; empty tokens are dropped. */
    static List<String> splitOnWhitespace(String text) {
        List<String> parts = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            boolean space = Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
            if (space && start >= 0) {
                parts.add(text.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            parts.add(text.substring(start));
        }
        return parts;
    }
}

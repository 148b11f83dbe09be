package amalgam.model.clip;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hugging Face (slow) {@code CLIPTokenizer}, as it behaves without {@code ftfy}:
 * <ol>
 *   <li>the text is split at special-token strings, which become their own ids;</li>
 *   <li>each other piece is cleaned ({@link BasicTextCleaner}: control characters dropped, whitespace
 *       normalised, NFC, lower-cased) and split by the CLIP pattern
 *       {@code <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}
 *       (case-insensitive; numbers become one token per digit);</li>
 *   <li>each pre-token's UTF-8 bytes are mapped to the byte-level alphabet and split by BPE with the
 *       {@code </w>} end-of-word suffix ({@link BpeModel}); pieces missing from the vocabulary become the
 *       unknown token;</li>
 *   <li>sequences are {@code [BOS] tokens [EOS]}, truncated to the maximum length by dropping tokens before
 *       the EOS, then padded on the right with the pad token.</li>
 * </ol>
 * Instances are immutable and thread-safe. Load one with {@link #fromDirectory(Path)}.
 */
public final class ClipTokenizer {
    /** OpenAI CLIP's context length, the default maximum length. */
    public static final int DEFAULT_MAX_LENGTH = 77;

    private static final Pattern PRE_TOKEN = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    private final BpeModel model;
    private final ClipSpecialTokens specialTokens;
    private final List<String> splitTokens; // special strings, longest first
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int unknownId;
    private final int maxLength;

    /**
     * A tokenizer over a vocabulary and BPE model.
     *
     * @param model         vocabulary and merges; must contain every special token
     * @param specialTokens BOS, EOS, pad and unknown token strings
     * @param addedTokens   further strings split out of the text before cleanup (may be empty)
     * @param maxLength     default maximum sequence length including BOS and EOS, at least 2
     */
    ClipTokenizer(BpeModel model, ClipSpecialTokens specialTokens, Set<String> addedTokens, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maximum length must be at least 2 (BOS and EOS), got " + maxLength);
        }
        this.model = model;
        this.specialTokens = specialTokens;
        this.bosId = requireId(model, specialTokens.bos(), "bos");
        this.eosId = requireId(model, specialTokens.eos(), "eos");
        this.padId = requireId(model, specialTokens.pad(), "pad");
        this.unknownId = requireId(model, specialTokens.unknown(), "unk");
        Set<String> split = new LinkedHashSet<>(List.of(specialTokens.bos(), specialTokens.eos(), specialTokens.pad(),
                specialTokens.unknown()));
        split.addAll(addedTokens);
        List<String> ordered = new ArrayList<>(split);
        ordered.sort(Comparator.comparingInt(String::length).reversed());
        this.splitTokens = List.copyOf(ordered);
        this.maxLength = maxLength;
    }

    private static int requireId(BpeModel model, String token, String role) {
        Integer id = model.id(token);
        if (id == null) {
            throw new amalgam.UserInputException("the vocabulary has no entry for the " + role + " token '" + token + "'");
        }
        return id;
    }

    /** Loads {@code vocab.json} + {@code merges.txt} (or a BPE {@code tokenizer.json}) and the special tokens. */
    public static ClipTokenizer fromDirectory(Path directory) {
        return ClipTokenizerFiles.load(directory);
    }

    public ClipSpecialTokens specialTokens() {
        return specialTokens;
    }

    /** The default maximum length (from {@code model_max_length}, else 77). */
    public int maxLength() {
        return maxLength;
    }

    public int vocabularySize() {
        return model.vocabularySize();
    }

    public int padId() {
        return padId;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    /** The token strings of {@code text}, without BOS and EOS. */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        int start = 0;
        while (start <= text.length()) {
            int[] match = nextSpecial(text, start);
            int end = match == null ? text.length() : match[0];
            tokenizePlain(text.substring(start, end), tokens);
            if (match == null) {
                break;
            }
            tokens.add(splitTokens.get(match[1]));
            start = end + splitTokens.get(match[1]).length();
        }
        return tokens;
    }

    /** The earliest occurrence of a special string at or after {@code from}: {position, index}, or null. */
    private int[] nextSpecial(String text, int from) {
        int[] best = null;
        for (int i = 0; i < splitTokens.size(); i++) {
            int at = text.indexOf(splitTokens.get(i), from);
            if (at >= 0 && (best == null || at < best[0])) {
                best = new int[] {at, i};
            }
        }
        return best;
    }

    private void tokenizePlain(String piece, List<String> out) {
        if (piece.isEmpty()) {
            return;
        }
        Matcher matcher = PRE_TOKEN.matcher(BasicTextCleaner.clean(piece));
        while (matcher.find()) {
            out.addAll(model.split(ByteLevelAlphabet.encode(matcher.group())));
        }
    }

    /** The ids of {@code text} without BOS and EOS; unknown pieces map to the unknown token's id. */
    public int[] ids(String text) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = model.id(tokens.get(i));
            ids[i] = id == null ? unknownId : id;
        }
        return ids;
    }

    /** {@link #encode(List, int, Padding)} with the default maximum length, padded to the longest. */
    public TokenizedBatch encode(List<String> texts) {
        return encode(texts, maxLength, Padding.LONGEST);
    }

    /**
     * Encodes a batch: {@code [BOS] ids [EOS]}, truncated to {@code maxLength} (the EOS is kept, the tokens
     * before it dropped), padded as requested.
     */
    public TokenizedBatch encode(List<String> texts, int maxLength, Padding padding) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maximum length must be at least 2 (BOS and EOS), got " + maxLength);
        }
        long[][] rows = new long[texts.size()][];
        int longest = 0;
        for (int i = 0; i < rows.length; i++) {
            int[] ids = ids(texts.get(i));
            int kept = Math.min(ids.length, maxLength - 2);
            long[] row = new long[kept + 2];
            row[0] = bosId;
            for (int j = 0; j < kept; j++) {
                row[j + 1] = ids[j];
            }
            row[kept + 1] = eosId;
            rows[i] = row;
            longest = Math.max(longest, row.length);
        }
        int target = switch (padding) {
            case LONGEST -> longest;
            case MAX_LENGTH -> maxLength;
            case NONE -> -1;
        };
        long[][] ids = new long[rows.length][];
        long[][] mask = new long[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            int length = target < 0 ? rows[i].length : target;
            ids[i] = Arrays.copyOf(rows[i], length);
            Arrays.fill(ids[i], rows[i].length, length, padId);
            mask[i] = new long[length];
            Arrays.fill(mask[i], 0, rows[i].length, 1L);
        }
        return new TokenizedBatch(ids, mask);
    }
}

package amalgam.model.clip;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding with an end-of-word suffix, as in CLIP: a pre-token (already in the byte-level
 * alphabet) starts as its characters with {@code "</w>"} appended to the last; the adjacent pair with the
 * lowest merge rank is merged everywhere (left to right, non-overlapping) until no pair has a rank. Strings
 * listed as unsplittable (the special tokens) map to themselves.
 */
final class BpeModel {
    static final String END_OF_WORD = "</w>";

    private final Map<String, Integer> vocabulary;
    private final Map<String, Integer> mergeRanks; // "first second" -> rank
    private final Set<String> unsplittable;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocabulary, Map<String, Integer> mergeRanks, Set<String> unsplittable) {
        this.vocabulary = Map.copyOf(vocabulary);
        this.mergeRanks = Map.copyOf(mergeRanks);
        this.unsplittable = Set.copyOf(unsplittable);
    }

    /** The id of {@code token}, or {@code null} if it is not in the vocabulary. */
    Integer id(String token) {
        return vocabulary.get(token);
    }

    int vocabularySize() {
        return vocabulary.size();
    }

    /** The BPE pieces of one pre-token in the byte-level alphabet. */
    List<String> split(String token) {
        if (unsplittable.contains(token)) {
            return List.of(token);
        }
        List<String> cached = cache.get(token);
        if (cached != null) {
            return cached;
        }
        List<String> pieces = merge(initialPieces(token));
        List<String> result = List.copyOf(pieces);
        if (cache.size() < 100_000) {
            cache.put(token, result);
        }
        return result;
    }

    private static List<String> initialPieces(String token) {
        List<String> word = new ArrayList<>();
        int i = 0;
        while (i < token.length()) {
            int end = i + Character.charCount(token.codePointAt(i));
            word.add(token.substring(i, end));
            i = end;
        }
        int last = word.size() - 1;
        word.set(last, word.get(last) + END_OF_WORD);
        return word;
    }

    private List<String> merge(List<String> word) {
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer rank = mergeRanks.get(word.get(i) + " " + word.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            int i = 0;
            while (i < word.size()) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i++;
                }
            }
            word = merged;
        }
        return word;
    }

    /** Merge ranks from pairs in priority order; a repeated pair keeps its last rank, as a Python dict does. */
    static Map<String, Integer> ranks(List<String[]> pairs) {
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            ranks.put(pairs.get(i)[0] + " " + pairs.get(i)[1], i);
        }
        return ranks;
    }
}

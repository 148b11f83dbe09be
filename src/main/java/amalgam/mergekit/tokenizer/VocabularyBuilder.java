package amalgam.mergekit.tokenizer;

import amalgam.mergekit.config.TokenizerSource;
import amalgam.mergekit.tokenizer.TokenizerJson.AddedToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the output tokenizer of a merge (mergekit's {@code build_tokenizer}, spec 1.7):
 * <ul>
 *   <li>{@code base}: the base model's tokenizer without ids at or above its config {@code vocab_size};</li>
 *   <li>a model: that model's tokenizer as it is;</li>
 *   <li>{@code union}: the stripped base, then every ordinary token (id below its model's {@code vocab_size}) of each
 *       model in order that the base lacks, appended as plain added tokens, then every model's added tokens (first
 *       definition of a text wins) the result does not have yet.</li>
 * </ul>
 * Then every {@code tokenizer.tokens} key the result lacks is added. Models are visited base first, then in config
 * order; each model's tokens in id order (mergekit iterates hash maps here, so its order is not defined).
 */
public final class VocabularyBuilder {
    private VocabularyBuilder() {
    }

    /**
     * @param source      the configured source
     * @param models      every input model's tokenizer, the one donating the base vocabulary first (stripped)
     * @param fromModel   the tokenizer of the {@link TokenizerSource.Model} source (null otherwise)
     * @param extraTokens {@code tokenizer.tokens} keys in config order
     */
    public static OutputVocabulary build(TokenizerSource source, List<ModelTokenizer> models, TokenizerJson fromModel,
                                         Collection<String> extraTokens) {
        Additions result = switch (source) {
            case TokenizerSource.Base base -> new Additions(models.getFirst().tokenizer());
            case TokenizerSource.Model model -> new Additions(fromModel);
            case TokenizerSource.Union union -> union(models);
        };
        extraTokens.forEach(token -> result.add(TokenizerJson.plainEntry(token)));
        return OutputVocabulary.of(result.tokenizer());
    }

    private static Additions union(List<ModelTokenizer> models) {
        Set<String> ordinary = new LinkedHashSet<>();
        Map<String, ObjectNode> added = new LinkedHashMap<>();
        for (ModelTokenizer model : models) {
            Set<String> addedHere = new HashSet<>();
            model.tokenizer().addedTokens().forEach(token -> addedHere.add(token.content()));
            model.vocabulary().forEach((token, id) -> {
                if (id < model.vocabSize() && !addedHere.contains(token)) {
                    ordinary.add(token);
                }
            });
            model.tokenizer().addedTokens().stream()
                    .sorted(Comparator.comparingInt(AddedToken::id))
                    .filter(token -> token.id() < model.vocabSize())
                    .forEach(token -> added.putIfAbsent(token.content(), token.entry()));
        }
        ModelTokenizer base = models.getFirst();
        Additions result = new Additions(base.tokenizer());
        for (String token : ordinary) {
            if (!added.containsKey(token) && !base.vocabulary().containsKey(token)) {
                result.add(TokenizerJson.plainEntry(token));
            }
        }
        added.values().forEach(result::add);
        return result;
    }

    /**
     * Adds tokens as the Hugging Face {@code add_tokens} does: an empty text or one that already is an added token is
     * skipped; a text in the model vocabulary becomes an added token with its existing id; anything else gets the
     * next id.
     */
    private static final class Additions {
        private final TokenizerJson start;
        private final Map<String, AddedToken> added = new LinkedHashMap<>();
        private int nextId;

        Additions(TokenizerJson start) {
            this.start = start;
            start.addedTokens().forEach(token -> added.putIfAbsent(token.content(), token));
            this.nextId = start.maxId() + 1;
        }

        void add(ObjectNode entry) {
            String content = entry.get("content").asText();
            if (content.isEmpty() || added.containsKey(content)) {
                return;
            }
            Integer existing = start.modelVocabulary().get(content);
            int id = existing != null ? existing : nextId++;
            added.put(content, new AddedToken(id, content, entry));
        }

        TokenizerJson tokenizer() {
            return start.withAddedTokens(List.copyOf(added.values()));
        }
    }
}

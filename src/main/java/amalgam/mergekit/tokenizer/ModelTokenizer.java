package amalgam.mergekit.tokenizer;

import amalgam.mergekit.config.ModelReference;
import java.util.Map;

/**
 * One input model's tokenizer as the merge sees it.
 *
 * @param model      the model
 * @param tokenizer  its tokenizer (for the model donating the base vocabulary: already stripped)
 * @param vocabSize  its config {@code vocab_size} (the rows its embeddings have meaning for), or the tokenizer's size
 * @param vocabulary {@link TokenizerJson#vocabulary()} of {@code tokenizer}
 */
public record ModelTokenizer(ModelReference model, TokenizerJson tokenizer, int vocabSize, Map<String, Integer> vocabulary) {

    public ModelTokenizer {
        vocabulary = Map.copyOf(vocabulary);
    }

    public static ModelTokenizer of(ModelReference model, TokenizerJson tokenizer, int vocabSize) {
        return new ModelTokenizer(model, tokenizer, vocabSize, tokenizer.vocabulary());
    }

    /** The embedding row of {@code token} in this model, or -1 if it lacks the token or its id is not below vocabSize. */
    public int rowOf(String token) {
        Integer id = vocabulary.get(token);
        return id == null || id >= vocabSize ? -1 : id;
    }
}

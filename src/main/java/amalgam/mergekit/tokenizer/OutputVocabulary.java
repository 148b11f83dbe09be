package amalgam.mergekit.tokenizer;

import amalgam.UserInputException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The merged model's tokenizer and its tokens by id: ids are exactly {@code 0 .. size-1}, one token each, so the
 * token with id {@code i} owns embedding row {@code i}.
 *
 * @param tokenizer the tokenizer written to the output
 * @param tokens    token text by id
 */
public record OutputVocabulary(TokenizerJson tokenizer, List<String> tokens) {

    public OutputVocabulary {
        tokens = List.copyOf(tokens);
    }

    /** Checks that the ids are contiguous from 0; an error names the tokenizer file and the first gap. */
    public static OutputVocabulary of(TokenizerJson tokenizer) {
        Map<String, Integer> vocabulary = tokenizer.vocabulary();
        if (vocabulary.isEmpty()) {
            throw new UserInputException(tokenizer.name() + ": the merged vocabulary would be empty");
        }
        String[] byId = new String[vocabulary.size()];
        for (Map.Entry<String, Integer> entry : vocabulary.entrySet()) {
            int id = entry.getValue();
            if (id < 0 || id >= byId.length || byId[id] != null) {
                throw new UserInputException(tokenizer.name() + ": token ids must run from 0 to " + (byId.length - 1)
                        + " with one token each for a merged vocabulary, but '" + entry.getKey() + "' has id " + id
                        + (id >= 0 && id < byId.length ? " like '" + byId[id] + "'" : ""));
            }
            byId[id] = entry.getKey();
        }
        return new OutputVocabulary(tokenizer, Arrays.asList(byId));
    }

    public int size() {
        return tokens.size();
    }
}

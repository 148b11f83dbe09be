package amalgam.mergekit.plan;

import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import amalgam.mergekit.config.ModelReference;
import amalgam.mergekit.config.TokenizerSettings;
import amalgam.mergekit.config.TokenizerSource;
import amalgam.mergekit.tokenizer.EmbeddingRowPlan;
import amalgam.mergekit.tokenizer.ModelTokenizer;
import amalgam.mergekit.tokenizer.OutputVocabulary;
import amalgam.mergekit.tokenizer.TokenizerFiles;
import amalgam.mergekit.tokenizer.TokenizerJson;
import amalgam.mergekit.tokenizer.VocabularyBuilder;
import amalgam.tensor.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A merge's {@code tokenizer_source} / {@code tokenizer:} section resolved against the opened models (spec 1.7): the
 * output vocabulary and its files, the (padded) row count that becomes config.json's {@code vocab_size}, and the row
 * plan of each embedding-like tensor.
 */
final class VocabularyMerge {
    /** Largest {@code pad_to_multiple_of} accepted (real ones are 8 to a few hundred). */
    static final int MAX_PAD_MULTIPLE = 1 << 20;

    private final TokenizerSettings settings;
    private final Map<ModelReference, ModelTokenizer> tokenizers;
    private final OutputVocabulary vocabulary;
    private final int rows;
    private final Map<String, String> files;

    private VocabularyMerge(TokenizerSettings settings, Map<ModelReference, ModelTokenizer> tokenizers,
                            OutputVocabulary vocabulary, int rows, Map<String, String> files) {
        this.settings = settings;
        this.tokenizers = tokenizers;
        this.vocabulary = vocabulary;
        this.rows = rows;
        this.files = files;
    }

    /**
     * Reads every model's tokenizer and builds the output vocabulary.
     *
     * @param donor    the model whose tokenizer is the base vocabulary: {@code base_model}, else the first model
     * @param models   every referenced model, in config order
     * @param resolver maps a model path as written in the config to a filesystem path (for a source model that is
     *                 not merged)
     */
    static VocabularyMerge build(TokenizerSettings settings, ModelReference donor, Map<ModelReference, OpenedModel> models,
                                 Function<String, Path> resolver) {
        if (settings.padToMultipleOf() > MAX_PAD_MULTIPLE) {
            throw new UserInputException("config key 'tokenizer.pad_to_multiple_of' = " + settings.padToMultipleOf()
                    + " is larger than " + MAX_PAD_MULTIPLE);
        }
        Map<ModelReference, ModelTokenizer> tokenizers = new LinkedHashMap<>();
        for (ModelReference reference : donorFirst(donor, models)) {
            OpenedModel model = models.get(reference);
            Path directory = OpenedModel.modelDirectory(model.path());
            TokenizerJson tokenizer = read(reference, directory);
            int vocabSize = vocabSize(model, directory, tokenizer);
            if (reference.equals(donor)) {
                tokenizer = tokenizer.stripped(vocabSize);
            }
            tokenizers.put(reference, ModelTokenizer.of(reference, tokenizer, vocabSize));
        }
        Path donorDirectory = OpenedModel.modelDirectory(models.get(donor).path());
        TokenizerJson fromModel = null;
        if (settings.source() instanceof TokenizerSource.Model source) {
            OpenedModel merged = models.get(source.model());
            Path path = merged != null ? merged.path() : resolver.apply(source.model().path());
            if (!Files.exists(path)) {
                throw new UserInputException("config key 'tokenizer_source' / 'tokenizer.source': model '"
                        + source.model() + "' not found at '" + path + "'");
            }
            donorDirectory = OpenedModel.modelDirectory(path);
            fromModel = read(source.model(), donorDirectory);
        }
        OutputVocabulary vocabulary = VocabularyBuilder.build(settings.source(), List.copyOf(tokenizers.values()),
                fromModel, settings.tokens().keySet());
        return new VocabularyMerge(settings, tokenizers, vocabulary, paddedRows(vocabulary.size(), settings.padToMultipleOf()),
                TokenizerFiles.render(vocabulary, donorDirectory));
    }

    private static List<ModelReference> donorFirst(ModelReference donor, Map<ModelReference, OpenedModel> models) {
        List<ModelReference> order = new ArrayList<>();
        order.add(donor);
        models.keySet().stream().filter(reference -> !reference.equals(donor)).forEach(order::add);
        return order;
    }

    private static TokenizerJson read(ModelReference model, Path directory) {
        if (directory == null || !Files.isDirectory(directory)) {
            throw new UserInputException("tokenizer of model '" + model + "': directory '" + directory + "' not found");
        }
        Path file = CacheLinks.resolve(directory.resolve("tokenizer.json"));
        if (Files.isRegularFile(file)) {
            return TokenizerJson.read(file);
        }
        if (Files.isRegularFile(directory.resolve("tokenizer.model"))) {
            throw new UserInputException("model '" + model + "' has only a SentencePiece tokenizer.model in '" + directory
                    + "'; a merged vocabulary needs a Hugging Face tokenizer.json (SentencePiece-only tokenizers are"
                    + " not supported)");
        }
        throw new UserInputException("model '" + model + "' has no tokenizer.json in '" + directory
                + "', which a merged vocabulary (tokenizer_source / tokenizer) needs");
    }

    /** config.json's {@code vocab_size}, or the tokenizer's own size when the config has none (as mergekit). */
    private static int vocabSize(OpenedModel model, Path directory, TokenizerJson tokenizer) {
        JsonNode value = model.config() == null ? null : model.config().get("vocab_size");
        if (value == null || value.isNull()) {
            return tokenizer.vocabulary().size();
        }
        if (!value.isInt() || value.asInt() <= 0) {
            throw new UserInputException("'" + directory.resolve("config.json") + "': vocab_size must be a positive"
                    + " 32-bit integer, got " + value);
        }
        return value.asInt();
    }

    private static int paddedRows(int size, int multiple) {
        if (multiple <= 0 || size % multiple == 0) {
            return size;
        }
        long padded = ((long) size / multiple + 1) * multiple;
        if (padded > Integer.MAX_VALUE) {
            throw new UserInputException("config key 'tokenizer.pad_to_multiple_of': " + size + " tokens padded to a"
                    + " multiple of " + multiple + " exceed 2^31 rows");
        }
        return (int) padded;
    }

    /** The re-indexing of one embedding-like tensor, given its inputs' models and stored shapes. */
    EmbeddingRowPlan rowPlan(String tensorName, List<ModelReference> inputs, List<Shape> shapes, int baseIndex) {
        List<ModelTokenizer> models = inputs.stream().map(tokenizers::get).toList();
        return EmbeddingRowPlan.plan(tensorName, vocabulary, rows, models, shapes, baseIndex, settings.tokens());
    }

    /** Output embedding rows (the padded vocabulary size): config.json's {@code vocab_size}. */
    int rows() {
        return rows;
    }

    /** The merged model's tokenizer files by name. */
    Map<String, String> files() {
        return files;
    }
}

package amalgam.fusion.closedform;

import amalgam.UserInputException;
import amalgam.fusion.taskpool.LanguageTaskPool;
import amalgam.io.Checkpoint;
import amalgam.io.ConfigFiles;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.ModelSource;
import amalgam.model.lm.Gpt2Model;
import amalgam.model.lm.HeadOnBackbone;
import amalgam.model.lm.LanguageModel;
import amalgam.model.lm.LmBatch;
import amalgam.model.lm.LmConfig;
import amalgam.model.lm.LmWeights;
import amalgam.model.lm.SpecialTokenIds;
import amalgam.model.lm.eval.ClassificationTask;
import amalgam.model.lm.eval.LmTask;
import amalgam.model.lm.text.HfTokenizer;
import amalgam.tensor.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One GPT-2 task model's classification task as FusionBench's GPT-2 methods read it: the task of the same name in the
 * language task pool with its train items (RegMean, Fisher) or its unlabeled test items (AdaMerging), the task's own classifier ({@code GPT2ForSequenceClassification}: config and
 * {@code score} head) around the model's backbone, the tokenizer, and train batches padded on the right to the task's
 * length with the classifier's pad id, as FusionBench's GLUE loader pads them ({@code padding="max_length"}).
 */
public final class Gpt2TaskData implements AutoCloseable {
    /** The prefix of a classifier's backbone names; the backbone models of the pool and the merged model have none. */
    public static final String BODY = "transformer.";
    /** A sequence classifier's head. */
    public static final String HEAD = "score.weight";

    private final String task;
    private final ClassificationTask classification;
    private final List<ClassificationTask.Item> items;
    private final CheckpointModelSource classifier;
    private final Gpt2Model model;
    private final HfTokenizer tokenizer;
    private final long padId;
    private final int length;

    private Gpt2TaskData(String task, ClassificationTask classification, CheckpointModelSource classifier, Gpt2Model model,
                         HfTokenizer tokenizer, long padId, boolean train) {
        this.task = task;
        this.classification = classification;
        this.classifier = classifier;
        this.model = model;
        this.tokenizer = tokenizer;
        this.padId = padId;
        this.items = train ? classification.trainItems() : classification.testItems();
        this.length = classification.length(model.config().maxPositions());
        if (items.isEmpty()) {
            throw new UserInputException("classification task '" + task + "' has no " + (train ? "train" : "test") + " items");
        }
    }

    /**
     * The task of {@code model} (the task of the same name), with its classifier and the pool's tokenizer, on its train
     * items ({@code train}) or its test items.
     */
    public static Gpt2TaskData open(LanguageTaskPool pool, ModelSource model, String method, boolean train) {
        String task = model.name();
        LmTask found = pool.pool().tasks().stream().filter(t -> t.name().equals(task)).findFirst().orElseThrow(() ->
                new UserInputException("method '" + method + "': model '" + task + "' has no task of that name in the task pool (tasks: "
                        + String.join(", ", pool.taskNames()) + "); each model is read on its own task"));
        if (!(found instanceof ClassificationTask classification)) {
            throw new UserInputException("method '" + method + "': task '" + task + "' is not a classification task");
        }
        Path folder = pool.classifiers().get(task);
        if (folder == null || !LmConfig.namesClassifier(folder)) {
            throw new UserInputException("method '" + method + "': model '" + task + "' is not a GPT2ForSequenceClassification"
                    + " checkpoint, whose head scores its task");
        }
        if (!(LanguageModel.fromFolder(folder) instanceof Gpt2Model gpt2)) {
            throw new UserInputException("method '" + method + "' merges GPT-2 models; '" + folder + "' is another family");
        }
        Path tokenizerFolder = Files.isRegularFile(folder.resolve(HfTokenizer.FILE)) || pool.tokenizerFallback() == null
                ? folder : pool.tokenizerFallback();
        CheckpointModelSource classifier = new CheckpointModelSource(task, Checkpoint.open(folder));
        try {
            return new Gpt2TaskData(task, classification, classifier, gpt2, HfTokenizer.load(tokenizerFolder), padId(folder), train);
        } catch (RuntimeException e) {
            classifier.close();
            throw e;
        }
    }

    /** The classifier's {@code pad_token_id}, else its EOS (FusionBench pads GPT-2 with its end-of-text token). */
    private static long padId(Path folder) {
        try {
            JsonNode pad = new ObjectMapper().readTree(ConfigFiles.readText(folder.resolve("config.json"), "model config"))
                    .path("pad_token_id");
            if (pad.isIntegralNumber()) {
                return pad.longValue();
            }
        } catch (IOException e) {
            throw new UserInputException("cannot read '" + folder.resolve("config.json") + "': " + e.getMessage(), e);
        }
        Long eos = SpecialTokenIds.read(folder).eos().stream().findFirst().orElse(null);
        if (eos == null) {
            throw new UserInputException("'" + folder + "' names no pad_token_id and no eos_token_id to pad train batches with");
        }
        return eos;
    }

    public String task() {
        return task;
    }

    /** How many items the split has. */
    public int size() {
        return items.size();
    }

    /** The task's classifier (its config: labels, positions) as a functional model. */
    public Gpt2Model model() {
        return model;
    }

    /** The classifier's head {@code score.weight} [labels, hidden], float32 in {@code arena}. */
    public Tensor head(Arena arena) {
        return amalgam.tensor.kernel.Convert.toF32(classifier.tensor(HEAD), arena);
    }

    /** The classifier's float32 weights with {@code backbone}'s tensors under {@code transformer.}, in {@code arena}. */
    public Map<String, Tensor> weights(ModelSource backbone, Arena arena) {
        return LmWeights.tensors(new HeadOnBackbone(backbone, classifier, BODY), model, arena);
    }

    /** Items {@code indices} of the split as a right-padded batch. */
    public LmBatch batch(int[] indices, Arena arena) {
        return classification.paddedBatch(items, indices, tokenizer, padId, length, arena);
    }

    @Override
    public void close() {
        tokenizer.close();
        classifier.close();
    }
}

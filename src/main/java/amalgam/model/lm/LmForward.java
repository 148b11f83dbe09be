package amalgam.model.lm;

import amalgam.UserInputException;
import amalgam.io.Checkpoint;
import amalgam.linalg.BlasThreads;
import amalgam.linalg.LinearAlgebra;
import amalgam.merge.CheckpointModelSource;
import amalgam.nn.Graph;
import amalgam.nn.Var;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One forward of a Hugging Face language model checkpoint on given inputs, returning {@code logits} and
 * {@code last_hidden_state} as transformers' {@code model(input_ids, attention_mask=mask)} computes them in float32
 * (used by {@code amalgam debug lm-forward}).
 */
public final class LmForward {
    /**
     * The largest activation buffer allowed, in float32 elements (8 GiB): the logits [B, L, V] and attention scores
     * [B, heads, L, L] grow with the input's size, which a hostile input could make absurd.
     */
    static final long MAX_ACTIVATION_ELEMENTS = 1L << 31;

    private LmForward() {
    }

    /**
     * @param modelDirectory config.json + safetensors (single, sharded, or a hub cache repo)
     * @param inputs         input_ids and attention_mask, I64 [B, L]
     * @return logits and last_hidden_state, F32, copied into {@code arena}
     */
    public static Map<String, Tensor> run(Path modelDirectory, Map<String, Tensor> inputs, Arena arena, int threads) {
        LmBatch batch = new LmBatch(input(inputs, "input_ids"), input(inputs, "attention_mask"));
        try (CheckpointModelSource source = new CheckpointModelSource(modelDirectory.toString(), Checkpoint.open(modelDirectory))) {
            LmConfig config = LmConfig.read(source.checkpoint().directory().resolve("config.json"));
            checkInputs(config, batch);
            LanguageModel model = LanguageModel.of(config);
            try (Parallel parallel = new Parallel(threads);
                 Graph graph = Graph.inference(parallel);
                 var params = LmWeights.load(source, model, arena, true);
                 BlasThreads blas = LinearAlgebra.useThreads(threads)) {
                LmOutput output = model.forward(graph, params, batch);
                Map<String, Tensor> out = new LinkedHashMap<>();
                out.put("logits", copy(output.logits(), arena));
                out.put("last_hidden_state", copy(output.lastHidden(), arena));
                return out;
            }
        }
    }

    private static void checkInputs(LmConfig config, LmBatch batch) {
        batch.checkVocabulary(config.vocabSize());
        if (batch.length() > config.maxPositions()) {
            throw new UserInputException("inputs have " + batch.length() + " positions; the model has learned positions for at most "
                    + config.maxPositions());
        }
        double rows = (double) batch.batch() * batch.length(); // doubles: no overflow for any sizes
        double scores = rows * batch.length() * config.heads();
        double largest = Math.max(Math.max(rows * config.outputs(), rows * config.hiddenSize()), scores);
        if (largest > MAX_ACTIVATION_ELEMENTS) {
            throw new UserInputException(String.format("inputs of %d rows x %d positions need an activation of %.3g float32"
                    + " values for this model, more than the %d lm-forward allows; split the batch or shorten the rows",
                    batch.batch(), batch.length(), largest, MAX_ACTIVATION_ELEMENTS));
        }
    }

    private static Tensor input(Map<String, Tensor> inputs, String name) {
        Tensor tensor = inputs.get(name);
        if (tensor == null) {
            throw new UserInputException("inputs lack tensor '" + name + "' (I64 [B, L])");
        }
        return tensor;
    }

    private static Tensor copy(Var value, Arena arena) {
        Tensor copy = Tensor.allocate(arena, DType.F32, value.shape());
        copy.data().copyFrom(value.value().data());
        return copy;
    }
}

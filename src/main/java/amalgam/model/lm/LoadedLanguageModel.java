package amalgam.model.lm;

import amalgam.UserInputException;
import amalgam.io.Checkpoint;
import amalgam.linalg.BlasThreads;
import amalgam.linalg.LinearAlgebra;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.ModelSource;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A language model checkpoint opened for repeated forwards over one sequence at a time: config, weights (mapped,
 * F16/BF16 widened once) and an inference graph reused from call to call. Generation and the language task pools read
 * their logits from here: a causal LM's per position, a sequence classifier's at the last position.
 */
public final class LoadedLanguageModel implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final CheckpointModelSource source;
    private final int threads;
    private LanguageModel model;
    private Parallel parallel;
    private Graph graph;
    private TensorParameters params;

    private LoadedLanguageModel(Path modelDirectory, Path backboneDirectory, int threads) {
        this.source = new CheckpointModelSource(modelDirectory.toString(), Checkpoint.open(modelDirectory));
        this.threads = threads;
        CheckpointModelSource backbone = null;
        try {
            this.model = LanguageModel.of(LmConfig.read(folder().resolve("config.json")));
            this.parallel = new Parallel(threads);
            this.graph = Graph.inference(parallel);
            ModelSource weights = source;
            if (backboneDirectory != null) {
                if (!classifies()) {
                    throw new UserInputException("'" + folder() + "' is not a sequence classifier: no head to put on a backbone");
                }
                backbone = new CheckpointModelSource(backboneDirectory.toString(), Checkpoint.open(backboneDirectory));
                weights = new HeadOnBackbone(backbone, source, model.bodyPrefix());
            }
            // float32 weights stay in the mapping of this model's files (open until close); a backbone's are copied,
            // since its files close right after
            this.params = LmWeights.load(weights, model, arena, backbone == null);
        } catch (RuntimeException e) {
            close();
            throw e;
        } finally {
            if (backbone != null) {
                backbone.close();
            }
        }
    }

    /** The model of {@code modelDirectory} (config.json and safetensors, or a hub cache repo) on {@code threads} threads. */
    public static LoadedLanguageModel open(Path modelDirectory, int threads) {
        return new LoadedLanguageModel(modelDirectory, null, threads);
    }

    /**
     * The sequence classifier of {@code classifierDirectory} with the backbone of {@code backboneDirectory} (a bare
     * {@code GPT2Model}, or a whole model whose {@code transformer} it takes): FusionBench's GPT-2 GLUE evaluation of a
     * merged backbone with each task's own head.
     */
    public static LoadedLanguageModel headOnBackbone(Path classifierDirectory, Path backboneDirectory, int threads) {
        return new LoadedLanguageModel(classifierDirectory, backboneDirectory, threads);
    }

    public LmConfig config() {
        return model.config();
    }

    /** Whether this is a sequence classifier (GPT2ForSequenceClassification) rather than a causal LM. */
    public boolean classifies() {
        return model.config().architecture().classifies();
    }

    /** A sequence classifier's label scores [num_labels] for {@code ids} (no padding: pooled at the last token). */
    public float[] classify(long[] ids) {
        if (!classifies()) {
            throw new UserInputException("'" + folder() + "' is a causal language model; classification needs a sequence classifier"
                    + " (GPT2ForSequenceClassification)");
        }
        return row(forward(ids, 0, ids.length, false), 0);
    }

    private void requireCausal() {
        if (classifies()) {
            throw new UserInputException("'" + folder() + "' is a sequence classifier (GPT2ForSequenceClassification); this needs a"
                    + " causal language model");
        }
    }

    /** The folder the checkpoint was read from (a hub cache repo resolved to its snapshot). */
    public Path folder() {
        return source.checkpoint().directory();
    }

    /**
     * After one forward over {@code ids[from, from + length)}: for each position i, log p(ids[from + i + 1] | the
     * tokens up to i), a log-softmax computed in double on the row in place (no [length, V] copy: a 1024-token window of
     * a 152k vocabulary would be 600 MB); NaN where the sequence has no next token.
     */
    public double[] nextTokenLogProbs(long[] ids, int from, int length) {
        Tensor logits = forward(ids, from, length, true);
        long vocabulary = logits.shape().dim(2);
        double[] logProbs = new double[length];
        for (int i = 0; i < length; i++) {
            int next = from + i + 1;
            logProbs[i] = next < ids.length
                    ? logSoftmaxAt(logits.data().asSlice(i * vocabulary * Float.BYTES, vocabulary * Float.BYTES), vocabulary, ids[next])
                    : Double.NaN;
        }
        return logProbs;
    }

    /** log softmax(row)[token], the row's maximum subtracted first. */
    private static double logSoftmaxAt(MemorySegment row, long vocabulary, long token) {
        float max = Float.NEGATIVE_INFINITY;
        for (long v = 0; v < vocabulary; v++) {
            max = Math.max(max, row.getAtIndex(Layouts.F32, v));
        }
        double sum = 0;
        for (long v = 0; v < vocabulary; v++) {
            sum += Math.exp((double) row.getAtIndex(Layouts.F32, v) - max);
        }
        return (double) row.getAtIndex(Layouts.F32, token) - max - Math.log(sum);
    }

    /** The logits after {@code ids[0, length)}: the prediction of the next token. */
    public float[] nextTokenLogits(long[] ids, int length) {
        return row(forward(ids, 0, length, true), length - 1);
    }

    /**
     * A sequence fed a few tokens at a time with a key-value cache of {@code capacity} positions: each
     * {@link Session#feed} runs only the new tokens and returns the logits after the last of them.
     */
    public Session session(int capacity) {
        requireCausal();
        if (capacity < 1 || capacity > model.config().maxPositions()) {
            throw new UserInputException("a sequence of " + capacity + " positions; the model takes 1 to " + model.config().maxPositions());
        }
        return new Session(model.newCache(capacity));
    }

    /** One sequence with its key-value cache. */
    public final class Session implements AutoCloseable {
        private final KvCache cache;

        private Session(KvCache cache) {
            this.cache = cache;
        }

        /** Feeds {@code ids[from, from + count)} after the positions already fed; the logits after the last of them. */
        public float[] feed(long[] ids, int from, int count) {
            if (count < 1 || cache.length() + count > cache.capacity()) {
                throw new UserInputException(count + " more tokens after " + cache.length() + " exceed the sequence's "
                        + cache.capacity() + " positions");
            }
            try (Arena step = Arena.ofConfined(); BlasThreads blas = LinearAlgebra.useThreads(threads)) {
                Tensor inputIds = ids(step, ids, from, count);
                graph.reset();
                return row(model.forward(graph, params, inputIds, cache).logits().value(), count - 1);
            }
        }

        /** Positions fed so far. */
        public int length() {
            return cache.length();
        }

        @Override
        public void close() {
            cache.close();
        }
    }

    private Tensor ids(Arena arena, long[] ids, int from, int count) {
        int vocabulary = model.config().vocabSize();
        Tensor tensor = Tensor.allocate(arena, DType.I64, Shape.of(1, count));
        for (int i = 0; i < count; i++) {
            long id = ids[from + i];
            if (id < 0 || id >= vocabulary) {
                throw new UserInputException("token id " + id + " is outside the model's vocabulary of " + vocabulary);
            }
            tensor.data().setAtIndex(Layouts.I64, i, id);
        }
        return tensor;
    }

    /**
     * The logits ([1, length, V] of a causal LM, [1, num_labels] of a classifier), valid until the next forward (they
     * live in the graph's workspace).
     */
    private Tensor forward(long[] ids, int from, int length, boolean causal) {
        if (causal) {
            requireCausal();
        }
        LmConfig config = model.config();
        if (length < 1 || length > config.maxPositions()) {
            throw new UserInputException("a forward of " + length + " tokens; the model takes 1 to " + config.maxPositions());
        }
        // the products use every thread: nothing else runs beside a forward here
        try (Arena step = Arena.ofConfined(); BlasThreads blas = LinearAlgebra.useThreads(threads)) {
            Tensor inputIds = ids(step, ids, from, length);
            Tensor mask = Tensor.allocate(step, DType.I64, Shape.of(1, length));
            for (int i = 0; i < length; i++) {
                mask.data().setAtIndex(Layouts.I64, i, 1L);
            }
            graph.reset();
            return model.forward(graph, params, new LmBatch(inputIds, mask)).logits().value();
        }
    }

    /** Row {@code position} of the logits' last two dims. */
    private static float[] row(Tensor logits, int position) {
        long vocabulary = logits.shape().dim(logits.shape().rank() - 1);
        return logits.data().asSlice(position * vocabulary * Float.BYTES, vocabulary * Float.BYTES).toArray(Layouts.F32);
    }

    @Override
    public void close() {
        if (params != null) {
            params.close();
        }
        if (graph != null) {
            graph.close();
        }
        if (parallel != null) {
            parallel.close();
        }
        source.close();
        arena.close();
    }
}

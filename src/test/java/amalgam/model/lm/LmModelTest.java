package amalgam.model.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.merge.CheckpointModelSource;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties of the forwards beyond the fixtures: padding semantics, pooling, and gradients through the model. */
class LmModelTest {
    private static final Parallel PARALLEL = new Parallel(2);

    /** A model of an lm-tiny fixture with its weights, plus the batch stored next to it. */
    private record Loaded(LanguageModel model, Map<String, Tensor> weights, LmBatch batch) {
    }

    private static Loaded load(String name, Arena arena) {
        Path folder = Fixtures.path("lm-tiny/" + name);
        LanguageModel model = LanguageModel.of(LmConfig.read(folder.resolve("config.json")));
        try (CheckpointModelSource source = new CheckpointModelSource(name, Checkpoint.open(folder));
             Checkpoint inputs = Checkpoint.open(folder.resolve("inputs.safetensors"))) {
            Map<String, Tensor> weights = LmWeights.tensors(source, model, arena);
            LmBatch batch = new LmBatch(copy(inputs.tensor("input_ids"), arena), copy(inputs.tensor("attention_mask"), arena));
            return new Loaded(model, weights, batch);
        }
    }

    private static Tensor copy(Tensor tensor, Arena arena) {
        Tensor copy = Tensor.allocate(arena, tensor.dtype(), tensor.shape());
        copy.data().copyFrom(tensor.data());
        return copy;
    }

    /** Row {@code row} of a batch, its first {@code length} positions, as a batch of one. */
    private static LmBatch rowPrefix(LmBatch batch, long row, long length, Arena arena) {
        Tensor ids = Tensor.allocate(arena, DType.I64, Shape.of(1, length));
        Tensor mask = Tensor.allocate(arena, DType.I64, Shape.of(1, length));
        for (long j = 0; j < length; j++) {
            ids.data().setAtIndex(Layouts.I64, j, batch.inputIds().data().getAtIndex(Layouts.I64, row * batch.length() + j));
            mask.data().setAtIndex(Layouts.I64, j, 1L);
        }
        return new LmBatch(ids, mask);
    }

    /**
     * Right padding changes nothing at the real positions: a right-padded row's logits there equal those of the row
     * run alone without its pads (keys after a query are hidden anyway, and positions start at 0 either way).
     */
    @Test
    void rightPaddingLeavesRealPositionsAsARowAlone() {
        for (String name : new String[] {"llama-gqa", "gpt2-lm"}) {
            try (Arena arena = Arena.ofConfined(); Graph graph = Graph.inference(PARALLEL)) {
                Loaded loaded = load(name, arena);
                long row = name.equals("llama-gqa") ? 2 : 1; // the right-padded rows (see generate.py)
                long real = loaded.batch().lastRealPosition(row) + 1;
                TensorParameters params = TensorParameters.frozen(loaded.weights());
                Tensor padded = loaded.model().forward(graph, params, loaded.batch()).logits().value();
                Tensor alone = loaded.model().forward(graph, params, rowPrefix(loaded.batch(), row, real, arena)).logits().value();
                long vocab = padded.shape().dim(2);
                for (long i = 0; i < real * vocab; i++) {
                    float expected = alone.getFloat(i);
                    assertEquals(expected, padded.getFloat(row * loaded.batch().length() * vocab + i), 1e-5 * (1 + Math.abs(expected)),
                            name + " element " + i);
                }
            }
        }
    }

    @Test
    void classifierPoolsAtTheLastRealTokenWithLeftOrRightPadding() {
        try (Arena arena = Arena.ofConfined()) {
            long[][] masks = {{1, 1, 1, 0, 0}, {0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}, {0, 0, 0, 0, 0}};
            long[] expected = {2, 4, 4, 0};
            Tensor ids = Tensor.allocate(arena, DType.I64, Shape.of(4, 5));
            Tensor mask = Tensor.allocate(arena, DType.I64, Shape.of(4, 5));
            for (int row = 0; row < 4; row++) {
                for (int j = 0; j < 5; j++) {
                    mask.data().setAtIndex(Layouts.I64, row * 5L + j, masks[row][j]);
                }
            }
            LmBatch batch = new LmBatch(ids, mask);
            for (int row = 0; row < 4; row++) {
                assertEquals(expected[row], batch.lastRealPosition(row), "row " + row);
            }
        }
    }

    /**
     * The forward is differentiable in its parameters (what AdaMerging-style methods need): the gradient of
     * L = sum(R * logits) with respect to a few weights of every kind matches a central difference in float32.
     * Step 1e-2 on weights of size ~0.2 with L ~ 10: truncation ~h^2 and round-off ~1e-6 |L| / h are ~1e-4 against
     * gradients of order 1, so 2e-2 of the largest component leaves margin; a missing backward path gives O(1).
     */
    @Test
    void gradientsFlowThroughEveryWeightKind() {
        for (String name : new String[] {"llama-options", "gpt2-classify"}) {
            try (Arena arena = Arena.ofShared(); Graph graph = Graph.training(PARALLEL)) {
                Loaded loaded = load(name, arena);
                TensorParameters params = new TensorParameters(loaded.weights(), weight -> true);
                Random random = new Random(3);
                Var logits = loaded.model().forward(graph, params, loaded.batch()).logits();
                float[] r = new float[Math.toIntExact(logits.value().elementCount())];
                long perPosition = loaded.model().config().architecture().classifies() ? 0 : logits.shape().dim(2);
                for (int i = 0; i < r.length; i++) {
                    // padded positions weigh 0, as in a real loss: a left-padded query sees only masked keys, whose
                    // scores the float32 mask swallows (the forward is flat there) while autograd, torch's included,
                    // still passes the derivative of s + min through
                    boolean padded = perPosition > 0 && loaded.batch().attentionMask().data().getAtIndex(Layouts.I64, i / perPosition) == 0;
                    r[i] = padded ? 0 : (float) random.nextGaussian();
                }
                Var loss = graph.sum(graph.multiply(logits, graph.constant(r, logits.shape().toArray())));
                graph.backward(loss);
                for (String weight : loaded.model().weightShapes().keySet()) {
                    Var value = params.get(graph, weight);
                    Tensor tensor = value.value();
                    long index = random.nextLong(tensor.elementCount());
                    double analytic = value.grad().getFloat(index);
                    double numeric = centralDifference(loaded, tensor, index, r);
                    double scale = Math.max(1, maxAbs(value.grad()));
                    assertTrue(Math.abs(analytic - numeric) <= 2e-2 * scale, name + " " + weight + "[" + index + "]: analytic "
                            + analytic + ", numeric " + numeric);
                }
            }
        }
    }

    private static double centralDifference(Loaded loaded, Tensor tensor, long index, float[] r) {
        float original = tensor.getFloat(index);
        float step = 1e-2f;
        tensor.setFloat(index, original + step);
        double plus = weightedSum(loaded, r);
        tensor.setFloat(index, original - step);
        double minus = weightedSum(loaded, r);
        tensor.setFloat(index, original);
        return (plus - minus) / (2 * step);
    }

    private static double weightedSum(Loaded loaded, float[] r) {
        try (Graph graph = Graph.inference(PARALLEL)) {
            Tensor logits = loaded.model().forward(graph, TensorParameters.frozen(loaded.weights()), loaded.batch()).logits().value();
            double sum = 0;
            for (int i = 0; i < r.length; i++) {
                sum += (double) r[i] * logits.getFloat(i);
            }
            return sum;
        }
    }

    private static double maxAbs(Tensor tensor) {
        double max = 0;
        for (long i = 0; i < tensor.elementCount(); i++) {
            max = Math.max(max, Math.abs(tensor.getFloat(i)));
        }
        return max;
    }

    /** Float32 weights are read in place from the mapped file; BF16 ones are widened once into memory. */
    @Test
    void float32WeightsAreMappedNotCopied() {
        for (String fixture : new String[] {"lm-tiny/gpt2-lm", "lm-tiny/llama-options"}) {
            Path folder = Fixtures.path(fixture);
            try (CheckpointModelSource source = new CheckpointModelSource(fixture, Checkpoint.open(folder)); Arena arena = Arena.ofConfined();
                 Parallel parallel = new Parallel(1); Graph graph = Graph.inference(parallel)) {
                LanguageModel model = LanguageModel.fromFolder(folder);
                TensorParameters params = LmWeights.load(source, model, arena, true);
                String name = model.weightShapes().keySet().iterator().next();
                boolean f32 = source.dtypeOf(source.contains(name) ? name : name.substring(model.bodyPrefix().length())) == DType.F32;
                assertEquals(f32, params.get(graph, name).value().data().isMapped(), fixture + " " + name);
                assertTrue(!LmWeights.tensors(source, model, arena).get(name).data().isMapped(), "tensors() always copies");
            }
        }
    }
}

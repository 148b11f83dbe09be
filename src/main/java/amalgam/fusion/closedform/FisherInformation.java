package amalgam.fusion.closedform;

import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The diagonal Fisher of one model on its own task, as FusionBench's {@code fisher_merging} estimates it: for each
 * batch, p = softmax(logits) (held constant) and
 * <pre>
 *   g = ∇_θ Σ_batch Σ_c sqrt(p_c) · log_softmax(logits)_c,     F += g ⊙ g
 * </pre>
 * and at the end F /= (number of examples). The square is of the gradient of the <em>batch-summed</em> quantity, not a
 * sum of per-example squares (FusionBench differs from the paper here; spec §5.1, §9.5), so cross-example and
 * cross-class terms are included.
 */
public final class FisherInformation implements AutoCloseable {
    private final TensorParameters params;
    private final List<String> names = new ArrayList<>();
    private final List<Var> leaves;
    private final Map<String, float[]> sums = new LinkedHashMap<>();
    private long examples;

    /** A classifier's logits [size, C] of examples start.. start + size of the current batch, under {@code params}. */
    @FunctionalInterface
    public interface SliceLogits {
        Var logits(Graph graph, Parameters params, long start, long size);
    }

    /**
     * @param weights the model's float32 weights (with whatever head scores them), writable copies
     * @param merged  the weights whose Fisher is estimated (the merge set; a head is not among them)
     */
    public FisherInformation(Map<String, Tensor> weights, Predicate<String> merged) {
        this.params = new TensorParameters(weights, merged);
        weights.keySet().stream().filter(merged).forEach(names::add);
        this.leaves = params.trainable();
        for (int i = 0; i < names.size(); i++) {
            sums.put(names.get(i), new float[Math.toIntExact(leaves.get(i).value().elementCount())]);
        }
    }

    /**
     * Adds one batch of {@code batch} examples (a recording graph; reset here). The batch's gradient is accumulated over
     * slices of at most {@code sliceSize} examples (the objective is a sum over examples with p held constant, so the
     * sum of the slices' gradients is the batch's), which bounds the activations a backward pass keeps; then squared.
     */
    public void addBatch(Graph graph, long batch, int sliceSize, SliceLogits classifier) {
        leaves.forEach(Var::zeroGrad);
        for (long start = 0; start < batch; start += sliceSize) {
            long size = Math.min(sliceSize, batch - start);
            graph.reset();
            Var logits = classifier.logits(graph, params, start, size);
            try (Arena arena = Arena.ofConfined()) {
                graph.backward(objective(graph, logits, sqrtProbabilities(logits, arena)));
            }
        }
        graph.reset();
        for (int i = 0; i < names.size(); i++) {
            Tensor grad = leaves.get(i).grad();
            float[] sum = sums.get(names.get(i));
            if (grad == null) {
                continue; // a weight the logits do not depend on
            }
            MemorySegment data = grad.data();
            for (int e = 0; e < sum.length; e++) {
                float g = data.getAtIndex(Layouts.F32, e);
                sum[e] += g * g;
            }
        }
        examples += batch;
    }

    /** A batch of pixels [B, 3, H, W] scored by a CLIP tower with a zero-shot head, in slices of {@code sliceSize}. */
    public void addBatch(Graph graph, ZeroShotClassifier classifier, Tensor pixels, int sliceSize) {
        long batch = pixels.shape().dim(0);
        long imageBytes = pixels.byteSize() / Math.max(batch, 1);
        addBatch(graph, batch, sliceSize, (g, p, start, size) -> classifier.logits(g, p, g.constant(Tensor.of(DType.F32,
                Shape.of(size, pixels.shape().dim(1), pixels.shape().dim(2), pixels.shape().dim(3)),
                pixels.data().asSlice(start * imageBytes, size * imageBytes)))));
    }

    /** {@link #addBatch(Graph, ZeroShotClassifier, Tensor, int)} in one backward pass. */
    public void addBatch(Graph graph, ZeroShotClassifier classifier, Tensor pixels) {
        addBatch(graph, classifier, pixels, Math.toIntExact(Math.max(pixels.shape().dim(0), 1)));
    }

    /** F = Σ g² / examples per merged weight, F32 in {@code arena}. */
    public Map<String, Tensor> fisher(Arena arena) {
        if (examples == 0) {
            throw new IllegalStateException("no batch was added");
        }
        Map<String, Tensor> fisher = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            float[] sum = sums.get(names.get(i));
            Tensor out = Tensor.allocate(arena, DType.F32, leaves.get(i).shape());
            for (int e = 0; e < sum.length; e++) {
                out.data().setAtIndex(Layouts.F32, e, (float) (sum[e] / (double) examples));
            }
            fisher.put(names.get(i), out);
        }
        return fisher;
    }

    /** Σ_batch Σ_c sqrtP_c · log_softmax(logits)_c, with sqrtP [B, C] a constant. */
    public static Var objective(Graph graph, Var logits, Tensor sqrtProbabilities) {
        return graph.sum(graph.multiply(Var.constant(sqrtProbabilities), graph.logSoftmax(logits)));
    }

    /** sqrt(softmax(logits)) [B, C] as a constant copy in {@code arena} (no gradient flows through it). */
    public static Tensor sqrtProbabilities(Var logits, Arena arena) {
        Shape shape = logits.shape();
        long rows = shape.dim(0);
        long classes = shape.dim(1);
        Tensor out = Tensor.allocate(arena, DType.F32, shape);
        for (long r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (long c = 0; c < classes; c++) {
                max = Math.max(max, logits.value().getFloat(r * classes + c));
            }
            double total = 0;
            for (long c = 0; c < classes; c++) {
                total += Math.exp(logits.value().getFloat(r * classes + c) - max);
            }
            for (long c = 0; c < classes; c++) {
                out.setFloat(r * classes + c, (float) Math.sqrt(Math.exp(logits.value().getFloat(r * classes + c) - max) / total));
            }
        }
        return out;
    }

    @Override
    public void close() {
        params.close();
    }
}

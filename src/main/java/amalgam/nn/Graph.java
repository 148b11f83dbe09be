package amalgam.nn;

import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A tape of float32 ops with reverse-mode differentiation, and the facade over every op. Op outputs are allocated in
 * the graph's {@link Workspace}; {@link #reset()} forgets the tape and makes that memory reusable, so a training loop
 * or an inference loop allocates only in its first iteration.
 *
 * <p>A <em>training</em> graph records each op whose inputs require a gradient, with a closure that pushes the output
 * gradient to the inputs; {@link #backward(Var)} runs those closures in reverse order and accumulates into the leaves.
 * An <em>inference</em> graph records nothing and keeps no saved activations.
 *
 * <p>Shapes below: {@code [..., n]} means any leading dimensions. Not thread-safe: one graph per thread.
 */
public final class Graph implements AutoCloseable {
    private final Workspace workspace = new Workspace();
    private final Parallel parallel;
    private final boolean recording;
    private final List<Var> tape = new ArrayList<>();
    private final Map<Object, Var> memo = new LinkedHashMap<>(); // in insertion order, see block()

    private Graph(Parallel parallel, boolean recording) {
        this.parallel = parallel;
        this.recording = recording;
    }

    /** A graph that records ops for {@link #backward}. */
    public static Graph training(Parallel parallel) {
        return new Graph(parallel, true);
    }

    /** A graph that records nothing (forward only). */
    public static Graph inference(Parallel parallel) {
        return new Graph(parallel, false);
    }

    public boolean isRecording() {
        return recording;
    }

    public Parallel parallel() {
        return parallel;
    }

    /** Bytes of activations (and gradients) handed out since the last reset. */
    public long workspaceBytes() {
        return workspace.reservedBytes();
    }

    /** Forgets the tape and every op result; their memory is reused by the next ops. Leaves keep their gradients. */
    public void reset() {
        tape.clear();
        memo.clear();
        workspace.reset();
    }

    /**
     * Back-propagates from a one-element {@code loss}: seeds d loss = 1 and runs the recorded ops in reverse;
     * gradients accumulate (add) into every leaf that requires one.
     */
    public void backward(Var loss) {
        if (!recording) {
            throw new IllegalStateException("backward on an inference graph");
        }
        if (loss.value().elementCount() != 1) {
            throw new IllegalArgumentException("backward needs a one-element loss, got shape " + loss.shape());
        }
        if (!loss.requiresGrad()) {
            throw new IllegalArgumentException("the loss does not depend on any value that requires a gradient");
        }
        Tensor seed = gradOf(loss);
        seed.setFloat(0, seed.getFloat(0) + 1f);
        for (int i = tape.size() - 1; i >= 0; i--) {
            Var node = tape.get(i);
            if (node.grad() != null) {
                node.backward.apply(node.grad());
            }
        }
    }

    // ---- inputs ----

    /** A constant holding a copy of a tensor (converted to F32), in this graph's workspace. */
    public Var constant(Tensor tensor) {
        Tensor copy = allocate(tensor.shape());
        if (tensor.dtype() == DType.F32) {
            copy.data().copyFrom(tensor.data());
        } else {
            for (long i = 0; i < tensor.elementCount(); i++) {
                copy.setFloat(i, tensor.getFloat(i));
            }
        }
        return Var.constant(copy);
    }

    /** A constant from float values with the given dims. */
    public Var constant(float[] values, long... dims) {
        Tensor tensor = allocate(Shape.of(dims));
        if (values.length != tensor.elementCount()) {
            throw new IllegalArgumentException(values.length + " values for shape " + tensor.shape());
        }
        MemorySegment.copy(values, 0, tensor.data(), Floats.LAYOUT, 0, values.length);
        return Var.constant(tensor);
    }

    /** The value cached under {@code key} for the life of this tape, computing it on first request. */
    public Var memoize(Object key, Supplier<Var> compute) {
        Var cached = memo.get(key);
        if (cached == null) {
            cached = compute.get();
            memo.put(key, cached);
        }
        return cached;
    }

    /**
     * Runs {@code step} on {@code input} (e.g. one transformer layer on the hidden state) and returns its result,
     * consuming the input. On an inference graph every buffer the step allocated besides its result is released as
     * soon as it returns, and so is the input's when it was this graph's latest buffer: the result moves to the first
     * released position, and values memoized during the step are forgotten. A stack of layers then needs the
     * activation memory of one layer, reused layer after layer, instead of all of them. The caller must not use
     * {@code input} afterwards. A training graph keeps everything (its backward needs the activations).
     */
    public Var block(Var input, java.util.function.UnaryOperator<Var> step) {
        if (recording) {
            return step.apply(input);
        }
        Workspace.Mark mark = workspace.markBefore(input.value().data());
        int memoized = memo.size();
        Var result = step.apply(input);
        Iterator<Object> keys = memo.keySet().iterator();
        for (int i = 0; keys.hasNext(); i++) {
            keys.next();
            if (i >= memoized) {
                keys.remove();
            }
        }
        MemorySegment kept = workspace.keepSince(mark, result.value().data());
        return kept == result.value().data() ? result : Var.result(Tensor.of(DType.F32, result.shape(), kept), false);
    }

    // ---- ops (shapes in the comments; see the op family classes for formulas) ----

    /** x [..., k] w [k, n] -> [..., n]. */
    public Var matmul(Var x, Var w) {
        return MatMulOps.matmul(this, x, w);
    }

    /** x [..., in] w^T + bias for w [out, in], bias [out] or null -> [..., out]. */
    public Var linear(Var x, Var w, Var bias) {
        return MatMulOps.linear(this, x, w, bias);
    }

    /** op(a) op(b) per batch entry: a [..., m, k], b [..., k, n] (before the optional transposes) -> [..., m, n]. */
    public Var batchedMatmul(Var a, Var b, boolean transposeA, boolean transposeB) {
        return MatMulOps.batchedMatmul(this, a, b, transposeA, transposeB);
    }

    /** a + b with broadcasting. */
    public Var add(Var a, Var b) {
        return ElementwiseOps.binary(this, ElementwiseOps.Kind.ADD, a, b);
    }

    /** a - b with broadcasting. */
    public Var subtract(Var a, Var b) {
        return ElementwiseOps.binary(this, ElementwiseOps.Kind.SUBTRACT, a, b);
    }

    /** a * b element-wise with broadcasting. */
    public Var multiply(Var a, Var b) {
        return ElementwiseOps.binary(this, ElementwiseOps.Kind.MULTIPLY, a, b);
    }

    /** alpha * x. */
    public Var scale(Var x, float alpha) {
        return ElementwiseOps.scale(this, x, alpha);
    }

    /** min(max(x, low), high) element-wise; the gradient passes where low <= x <= high. */
    public Var clamp(Var x, float low, float high) {
        return ElementwiseOps.clamp(this, x, low, high);
    }

    /** x / mean(x), the mean over all elements (a Concrete mask's normalisation). */
    public Var divideByMean(Var x) {
        return ElementwiseOps.divideByMean(this, x);
    }

    /** x [..., n] + bias [n]. */
    public Var addBias(Var x, Var bias) {
        if (bias.shape().rank() != 1 || bias.shape().dim(0) != x.shape().dim(-1)) {
            throw new IllegalArgumentException("addBias: bias " + bias.shape() + " does not match x " + x.shape());
        }
        return add(x, bias);
    }

    /**
     * base + sum_i weights[indices[i]] * taus[i] (base null: the sum alone); gradients reach the weights (and base/taus
     * if trainable).
     */
    public Var weightedSum(Var base, java.util.List<Var> taus, Var weights, long[] indices) {
        return ElementwiseOps.weightedSum(this, base, taus, weights, indices);
    }

    /** The same elements viewed with other dims (no copy). */
    public Var reshape(Var x, long... dims) {
        return ShapeOps.reshape(this, x, dims);
    }

    /** Swaps two axes (materialised row-major copy). */
    public Var transpose(Var x, int axis1, int axis2) {
        return ShapeOps.transpose(this, x, axis1, axis2);
    }

    /** Concatenation along an axis; other dims must agree. */
    public Var concat(java.util.List<Var> parts, int axis) {
        return ShapeOps.concat(this, parts, axis);
    }

    /** Elements [start, end) along an axis. */
    public Var slice(Var x, int axis, long start, long end) {
        return ShapeOps.slice(this, x, axis, start, end);
    }

    /** Layer norm over the last axis: x [..., n], weight [n], bias [n]. */
    public Var layerNorm(Var x, Var weight, Var bias, float eps) {
        return NormOps.layerNorm(this, x, weight, bias, eps);
    }

    /** x / max(|x|, 1e-12) along the last axis. */
    public Var l2Normalize(Var x) {
        return NormOps.l2Normalize(this, x, 1e-12f);
    }

    /** RMS norm over the last axis (Llama): x [..., n], weight [n]. */
    public Var rmsNorm(Var x, Var weight, float eps) {
        return NormOps.rmsNorm(this, x, weight, eps);
    }

    /** Rotary position embedding of x [B, H, L, d] with F32 tables cos, sin [L, d] or [B, L, d] (see RotaryOps). */
    public Var rotary(Var x, Tensor cos, Tensor sin) {
        return RotaryOps.rotary(this, x, cos, sin);
    }

    /** SiLU (swish) x sigmoid(x). */
    public Var silu(Var x) {
        return ActivationOps.apply(this, ActivationOps.Kind.SILU, x);
    }

    /** The tanh approximation of GELU (Hugging Face's gelu_new / gelu_pytorch_tanh, GPT-2's activation). */
    public Var tanhGelu(Var x) {
        return ActivationOps.apply(this, ActivationOps.Kind.TANH_GELU, x);
    }

    /** Exact GELU x Phi(x). */
    public Var gelu(Var x) {
        return ActivationOps.apply(this, ActivationOps.Kind.GELU, x);
    }

    /** x sigmoid(1.702 x). */
    public Var quickGelu(Var x) {
        return ActivationOps.apply(this, ActivationOps.Kind.QUICK_GELU, x);
    }

    public Var sigmoid(Var x) {
        return ActivationOps.apply(this, ActivationOps.Kind.SIGMOID, x);
    }

    /** max(x, 0). */
    public Var relu(Var x) {
        return ActivationOps.apply(this, ActivationOps.Kind.RELU, x);
    }

    /** mean |x − target| over all elements (torch's l1_loss); the target is a constant. */
    public Var l1Loss(Var x, Tensor target) {
        return LossOps.l1(this, x, target);
    }

    /** Softmax along the last axis. */
    public Var softmax(Var x) {
        return SoftmaxOps.softmax(this, x);
    }

    /** Log-softmax along the last axis. */
    public Var logSoftmax(Var x) {
        return SoftmaxOps.logSoftmax(this, x);
    }

    /**
     * Scaled dot-product attention, q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv] -> [B, H, Lq, dv], scale
     * 1/sqrt(d); keyMask [B, Lk] (0 = padding) or null.
     */
    public Var attention(Var q, Var k, Var v, boolean causal, Tensor keyMask) {
        return AttentionOps.attention(this, q, k, v, causal, keyMask, (float) (1 / Math.sqrt(q.shape().dim(-1))));
    }

    /**
     * Scaled dot-product attention with a decoder's mask: q [B, H, Lq, d], k [B, Hkv, Lk, d], v [B, Hkv, Lk, dv]
     * (Hkv dividing H: grouped-query attention) -> [B, H, Lq, dv], scores scaled by {@code scale}.
     */
    public Var attention(Var q, Var k, Var v, AttentionMask mask, float scale) {
        return AttentionOps.attention(this, q, k, v, mask, scale);
    }

    /** Rows of weight [V, D] picked by ids (dims idDims) -> [idDims..., D]. */
    public Var embedding(Var weight, long[] ids, long... idDims) {
        return EmbeddingOps.embedding(this, weight, ids, idDims);
    }

    /** Embedding with ids from an integer tensor (e.g. I64) -> [ids.shape..., D]. */
    public Var embedding(Var weight, Tensor ids) {
        return EmbeddingOps.embedding(this, weight, EmbeddingOps.ids(ids), ids.shape().toArray());
    }

    /** images [B, C, H, W] -> patches [B, (H/p)(W/p), C p p] in the conv weight layout. */
    public Var patchify(Var images, int patch) {
        return EmbeddingOps.patchify(this, images, patch);
    }

    /**
     * Convolution with stride = kernel = p and no padding, as patchify + product: images [B, C, H, W],
     * weight [O, C, p, p], bias [O] or null -> [B, (H/p)(W/p), O].
     */
    public Var patchEmbedding(Var images, Var weight, Var bias) {
        Shape w = weight.shape();
        if (w.rank() != 4 || w.dim(2) != w.dim(3) || w.dim(1) != images.shape().dim(1)) {
            throw new IllegalArgumentException("patchEmbedding: weight " + w + " should be [O, C, p, p] for images "
                    + images.shape());
        }
        Var patches = patchify(images, Math.toIntExact(w.dim(2)));
        return linear(patches, reshape(weight, w.dim(0), w.dim(1) * w.dim(2) * w.dim(3)), bias);
    }

    /** Sum of all elements (rank 0). */
    public Var sum(Var x) {
        return ReductionOps.sum(this, x, false);
    }

    /** Mean of all elements (rank 0). */
    public Var mean(Var x) {
        return ReductionOps.sum(this, x, true);
    }

    /** Sum along an axis (removed). */
    public Var sum(Var x, int axis) {
        return ReductionOps.sumAxis(this, x, axis, false);
    }

    /** Mean along an axis (removed). */
    public Var mean(Var x, int axis) {
        return ReductionOps.sumAxis(this, x, axis, true);
    }

    /** Mean cross-entropy of logits [N, C] against labels [N]. */
    public Var crossEntropy(Var logits, long[] labels) {
        return LossOps.crossEntropy(this, logits, labels);
    }

    /** Mean Shannon entropy of softmax(logits [N, C]). */
    public Var entropy(Var logits) {
        return LossOps.entropy(this, logits);
    }

    // ---- plumbing for the op families ----

    Tensor allocate(Shape shape) {
        return Tensor.of(DType.F32, shape, workspace.allocate(shape.byteSize(DType.F32)));
    }

    Tensor allocateZeroed(Shape shape) {
        return Tensor.of(DType.F32, shape, workspace.allocateZeroed(shape.byteSize(DType.F32)));
    }

    /** True when an op with these inputs must record its backward (so it should keep what the backward needs). */
    boolean needsGrad(Var... inputs) {
        if (!recording) {
            return false;
        }
        for (Var input : inputs) {
            if (input != null && input.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** Wraps an op output; records its backward when {@link #needsGrad} holds for the inputs. */
    Var record(Tensor output, Var.Backward backward, Var... inputs) {
        if (!needsGrad(inputs)) {
            return Var.result(output, false);
        }
        Var result = Var.result(output, true);
        result.backward = backward;
        tape.add(result);
        return result;
    }

    /** The gradient buffer of {@code var} to accumulate into. */
    Tensor gradOf(Var var) {
        return var.gradForAccumulation(workspace);
    }

    /** Frees the workspace: every op result of this graph becomes invalid. */
    @Override
    public void close() {
        tape.clear();
        memo.clear();
        workspace.close();
    }
}

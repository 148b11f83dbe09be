package amalgam.fusion.tta;

import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ZeroShotHead;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Tensor;
import java.util.List;

/**
 * The test-time objective of AdaMerging (Yang et al. 2024, "AdaMerging: Adaptive Model Merging for Multi-Task
 * Learning") and its relatives: the sum over tasks t of the mean Shannon entropy of the zero-shot predictions on t's
 * batch,
 * <pre>
 *   L = sum_t mean_{x in batch_t} H(softmax(logits_t(x))),   H(p) = -sum_c p_c ln(p_c + 1e-8)
 *   logits_t(x) = exp(s_t) normalize(P pooled(x)) W_t^T
 * </pre>
 * with the vision tower's weights read from the parameterisation, the pretrained projection P and task t's head
 * (W_t, s_t). Each term can be computed on its own graph ({@link #taskLoss}), so tasks may run in parallel lanes.
 * {@link #crossEntropy} makes the labelled variant (the mean cross-entropy of each task's batch; FusionBench's
 * Frank–Wolfe soft merging offers it as {@code ada_loss: cross_entropy}).
 */
public final class EntropyObjective {
    private final ClipModel model;
    private final Tensor projection;
    private final List<ZeroShotHead> heads;
    private final boolean labelled;

    /**
     * @param model      the vision model (its config)
     * @param projection the pretrained visual_projection [P, D]
     * @param heads      one zero-shot head per task, in task order
     */
    public EntropyObjective(ClipModel model, Tensor projection, List<ZeroShotHead> heads) {
        this(model, projection, heads, false);
    }

    private EntropyObjective(ClipModel model, Tensor projection, List<ZeroShotHead> heads, boolean labelled) {
        this.model = model;
        this.projection = projection;
        this.heads = List.copyOf(heads);
        this.labelled = labelled;
    }

    /** The labelled objective: each task's term is the mean cross-entropy of its batch against the labels. */
    public static EntropyObjective crossEntropy(ClipModel model, Tensor projection, List<ZeroShotHead> heads) {
        return new EntropyObjective(model, projection, heads, true);
    }

    /** Whether the terms read labels. */
    public boolean labelled() {
        return labelled;
    }

    public int tasks() {
        return heads.size();
    }

    /** Task {@code task}'s term: the mean entropy of its predictions on {@code pixels} [N, C, H, W]. */
    public Var taskLoss(Graph graph, Parameters tower, int task, Tensor pixels) {
        return taskLoss(graph, tower, task, pixels, null);
    }

    /** As above; the labelled objective's term is the mean cross-entropy against {@code labels} instead. */
    public Var taskLoss(Graph graph, Parameters tower, int task, Tensor pixels, long[] labels) {
        Var pooled = model.vision(graph, tower, Var.constant(pixels)).pooled();
        Var embeds = graph.linear(pooled, Var.constant(projection), null);
        Var logits = heads.get(task).logits(graph, embeds);
        if (labelled) {
            if (labels == null) {
                throw new IllegalArgumentException("the cross-entropy objective needs the batch's labels");
            }
            return graph.crossEntropy(logits, labels);
        }
        return graph.entropy(logits);
    }

    /** L: every task's term on its batch (in task order), summed in task order on one graph. */
    public Var loss(Graph graph, Parameters tower, List<Tensor> pixels) {
        if (pixels.size() != heads.size()) {
            throw new IllegalArgumentException(pixels.size() + " task batches for " + heads.size() + " heads");
        }
        Var total = null;
        for (int task = 0; task < heads.size(); task++) {
            Var term = taskLoss(graph, tower, task, pixels.get(task));
            total = total == null ? term : graph.add(total, term);
        }
        return total;
    }
}

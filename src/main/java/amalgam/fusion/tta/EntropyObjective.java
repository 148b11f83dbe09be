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
 */
public final class EntropyObjective {
    private final ClipModel model;
    private final Tensor projection;
    private final List<ZeroShotHead> heads;

    /**
     * @param model      the vision model (its config)
     * @param projection the pretrained visual_projection [P, D]
     * @param heads      one zero-shot head per task, in task order
     */
    public EntropyObjective(ClipModel model, Tensor projection, List<ZeroShotHead> heads) {
        this.model = model;
        this.projection = projection;
        this.heads = List.copyOf(heads);
    }

    public int tasks() {
        return heads.size();
    }

    /** Task {@code task}'s term: the mean entropy of its predictions on {@code pixels} [N, C, H, W]. */
    public Var taskLoss(Graph graph, Parameters tower, int task, Tensor pixels) {
        Var pooled = model.vision(graph, tower, Var.constant(pixels)).pooled();
        Var embeds = graph.linear(pooled, Var.constant(projection), null);
        return graph.entropy(heads.get(task).logits(graph, embeds));
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

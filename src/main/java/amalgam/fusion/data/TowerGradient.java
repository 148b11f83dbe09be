package amalgam.fusion.data;

import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ZeroShotHead;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gradients of a zero-shot classification loss with respect to a CLIP vision tower held as float32 weights:
 * logits = exp(logit_scale) · normalize(visual_projection(pooled)) · headᵀ, loss = mean cross-entropy over the
 * batch (labelled) or mean entropy of the softmax (label-free, AdaMerging's loss). Gradients accumulate over calls
 * until {@link #zero}; visual_projection stays frozen.
 */
public final class TowerGradient implements AutoCloseable {
    /** The loss of one batch. */
    public enum Loss { CROSS_ENTROPY, ENTROPY }

    private final ClipModel model;
    private final TensorParameters params;
    private final List<String> towerNames;
    private final Parallel parallel;
    private final Graph graph;

    /**
     * @param weights    the tower (trained names) plus visual_projection.weight, F32 in writable memory
     * @param towerNames the names that receive gradients
     */
    public TowerGradient(ClipModel model, Map<String, Tensor> weights, List<String> towerNames, int threads) {
        this.model = model;
        this.towerNames = List.copyOf(towerNames);
        Set<String> trained = Set.copyOf(towerNames);
        this.params = new TensorParameters(weights, trained::contains);
        this.parallel = new Parallel(threads);
        this.graph = Graph.training(parallel);
    }

    /** Adds d(weight · loss(batch))/dθ to the gradients; returns the batch's loss (unweighted). */
    public float accumulate(TaskBatches.Batch batch, ZeroShotHead head, Loss loss, float weight) {
        graph.reset();
        Var pooled = model.vision(graph, params, graph.constant(batch.pixels())).pooled();
        Var logits = head.logits(graph, model.imageEmbeds(graph, params, pooled));
        Var value = loss == Loss.CROSS_ENTROPY ? graph.crossEntropy(logits, batch.labels()) : graph.entropy(logits);
        graph.backward(weight == 1f ? value : graph.scale(value, weight));
        return value.item();
    }

    /** The accumulated gradient of every trained tensor, by name (live views: copy before the next call). */
    public Map<String, Tensor> gradients() {
        Map<String, Tensor> gradients = new LinkedHashMap<>();
        for (String name : towerNames) {
            gradients.put(name, params.get(graph, name).grad());
        }
        return gradients;
    }

    public void zero() {
        params.trainable().forEach(Var::zeroGrad);
    }

    @Override
    public void close() {
        graph.close();
        params.close();
        parallel.close();
    }
}

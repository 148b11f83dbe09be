package amalgam.model.clip;

import amalgam.UserInputException;
import amalgam.merge.ModelSource;
import amalgam.nn.TensorParameters;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CLIP vision models of a fusion pool as runnable models: one config for the pool, each model's vision tower read
 * as float32 weights, and visual_projection always from one model (the pretrained one), as FusionBench evaluates
 * CLIP vision pools with the pretrained CLIP's projection (spec §10.1). The fused, the learned and the evaluated
 * weights are the tower's ({@code vision_model.*}); the projection is never merged.
 */
public final class ClipVisionFamily {
    private final ClipModel model;
    private final ModelSource pretrained;
    private final ModelSource reference;

    /**
     * @param config     the pool's CLIP config (vision tower and projection size)
     * @param pretrained the pool's pretrained model (null: none), whose visual_projection every model uses
     * @param reference  the model whose projection is used when the pretrained model has none
     */
    public ClipVisionFamily(ClipConfig config, ModelSource pretrained, ModelSource reference) {
        this.model = new ClipModel(new ClipConfig(config.vision(), null, config.projectionDim()));
        this.pretrained = pretrained;
        this.reference = reference;
    }

    public ClipModel model() {
        return model;
    }

    /** The vision tower's keys in the config's order (what data-dependent methods fuse and learn). */
    public List<String> towerNames() {
        return ClipKeys.expected(model.config(), false).keySet().stream().toList();
    }

    /** A pool model's tower plus the shared projection, as float32 copies in {@code arena}. */
    public Map<String, Tensor> weights(ModelSource source, Arena arena) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(ClipWeights.tensors(sourceOf(source), model.config(), false, arena));
        tensors.put(PROJECTION, projection(arena));
        return tensors;
    }

    /**
     * The tower tensors of a pool model whose names {@code names} accepts (one encoder layer, say), as float32 copies in
     * {@code arena}, checked against the config like {@link #weights}; the projection is not among them.
     */
    public Map<String, Tensor> towerWeights(ModelSource source, java.util.function.Predicate<String> names, Arena arena) {
        return ClipWeights.tensors(sourceOf(source), model.config(), false, names, arena);
    }

    /** Frozen parameters of a pool model (tower + shared projection). */
    public TensorParameters parameters(ModelSource source, Arena arena) {
        return TensorParameters.frozen(weights(source, arena));
    }

    /** The shared visual_projection weight [P, D], copied into {@code arena}. */
    public Tensor projection(Arena arena) {
        ModelSource projectionSource = projectionSourceOf(pretrained, reference);
        amalgam.tensor.Shape expected = amalgam.tensor.Shape.of(model.config().projectionDim(), model.config().vision().hiddenSize());
        if (!projectionSource.contains(PROJECTION)) {
            throw new UserInputException("model '" + projectionSource.name() + "' has no '" + PROJECTION + "'");
        }
        Tensor stored = projectionSource.tensor(PROJECTION);
        if (!stored.shape().equals(expected) || !stored.dtype().isFloatingPoint()) {
            throw new UserInputException("model '" + projectionSource.name() + "': '" + PROJECTION + "' is " + stored.dtype() + " "
                    + stored.shape() + ", the config needs a float " + expected);
        }
        Tensor copy = amalgam.tensor.kernel.Convert.toF32(stored, arena);
        projectionSource.release(PROJECTION);
        return copy;
    }

    public static final String PROJECTION = "visual_projection.weight";

    private static ClipWeights.Source sourceOf(ModelSource model) {
        return ClipWeights.Source.of(model.name(), model::contains, model::tensor, model::release);
    }

    /** The projection source a pool should use: its pretrained model when that has a projection, else the reference. */
    private static ModelSource projectionSourceOf(ModelSource pretrained, ModelSource reference) {
        if (pretrained != null && pretrained.contains(PROJECTION)) {
            return pretrained;
        }
        if (reference.contains(PROJECTION)) {
            return reference;
        }
        throw new UserInputException("no model of the pool has '" + PROJECTION + "': evaluating CLIP vision models needs the"
                + " pretrained CLIP's projection (a CLIPModel or CLIPVisionModelWithProjection checkpoint as _pretrained_)");
    }
}

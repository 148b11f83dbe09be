package amalgam.fusion.tta;

import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What test-time merging reads from a CLIP vision pool, as float32 in memory: the pretrained tower theta0, one task
 * vector tau_i = theta_i - theta0 per fine-tuned model (pool order) over every tower tensor, and the pretrained
 * visual_projection, which is never merged (spec §10.1).
 *
 * @param names       the tower's tensor names, in the config's order
 * @param base        theta0 by name
 * @param taskVectors tau_i by name, one map per fine-tuned model
 * @param projection  visual_projection.weight [P, D]
 */
public record TowerWeights(List<String> names, Map<String, Tensor> base, List<Map<String, Tensor>> taskVectors,
                           Tensor projection) {
    /**
     * The run's pretrained model and task models, each task model checked to have its task in the task pool (a
     * test-time method adapts on those tasks), read as by {@link #load}.
     */
    public static TowerWeights ofRun(amalgam.fusion.FusionContext context, String method, Arena arena) {
        amalgam.fusion.FusionData data = context.requireData(method);
        ModelSource pretrained = context.pool().requirePretrained(method);
        List<ModelSource> models = context.pool().requireModels(method, 1);
        models.forEach(data::taskOf);
        return load(data.family(), pretrained, models, arena);
    }

    /** Reads theta0 and every model into {@code arena}, turning each model's copy into its task vector in place. */
    public static TowerWeights load(ClipVisionFamily family, ModelSource pretrained, List<ModelSource> models, Arena arena) {
        List<String> names = family.towerNames();
        Map<String, Tensor> all = family.weights(pretrained, arena);
        Map<String, Tensor> base = new LinkedHashMap<>();
        names.forEach(name -> base.put(name, all.get(name)));
        List<Map<String, Tensor>> taskVectors = new ArrayList<>();
        for (ModelSource model : models) {
            Map<String, Tensor> weights = family.weights(model, arena);
            Map<String, Tensor> tau = new LinkedHashMap<>();
            for (String name : names) {
                Tensor theta = weights.get(name);
                F32Kernels.subtract(theta.data(), base.get(name).data(), theta.data(), theta.elementCount());
                tau.put(name, theta);
            }
            taskVectors.add(tau);
        }
        return new TowerWeights(names, base, taskVectors, family.projection(arena));
    }
}

package amalgam.fusion;

import amalgam.merge.ModelSource;
import java.util.List;

/**
 * A method that merges the task models one at a time. Its model after step t is the method applied, in the given
 * order, to the first t models, which is how a run saves every intermediate model when asked.
 */
public interface ContinualFusionAlgorithm extends FusionAlgorithm {
    /** The task models in the order the method takes them. */
    List<ModelSource> mergeOrder(ModelPool pool, long seed);

    /** The same method taking the models in pool order (for a pool already holding them in merge order). */
    ContinualFusionAlgorithm inGivenOrder();

    /** What the run keeps of the model after every step. */
    StepOutputs stepOutputs();

    /**
     * The final model, or — when the run keeps the model after every step — the model after every step, keyed by the
     * task model that step adds, in merge order: the model after step t is the method applied, in merge order, to the
     * first t task models.
     */
    @Override
    default FusionResult fuse(FusionContext context) {
        ModelPool pool = context.pool();
        StepOutputs kept = stepOutputs().within(context.saving(), context.data() != null);
        if (!kept.any()) {
            return new FusionResult.MergedModel(plan(pool, context.seed(), context.parallel()));
        }
        List<ModelSource> order = mergeOrder(pool, context.seed());
        ContinualFusionAlgorithm inOrder = inGivenOrder();
        java.util.SequencedMap<String, List<amalgam.merge.TensorJob>> models = new java.util.LinkedHashMap<>();
        for (int t = 1; t <= order.size(); t++) {
            List<ModelSource> prefix = new java.util.ArrayList<>();
            pool.pretrained().ifPresent(prefix::add);
            prefix.addAll(order.subList(0, t));
            models.put(order.get(t - 1).name(), inOrder.plan(new ModelPool(prefix), context.seed(), context.parallel()));
        }
        return new FusionResult.ContinualSteps(models, kept);
    }
}

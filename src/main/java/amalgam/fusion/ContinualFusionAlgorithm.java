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

    /** Whether the run should save the model after every step. */
    boolean saveOnEveryStep();
}

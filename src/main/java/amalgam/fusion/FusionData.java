package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipVisionFamily;

/**
 * What data-dependent and test-time methods read besides the weights: the task pool (its splits and zero-shot heads)
 * and the pool's models as runnable CLIP vision models. A fine-tuned model belongs to the task of the same name, as
 * in FusionBench, where model pool and task pool share their task names.
 */
public record FusionData(ImageTaskPool taskPool, ClipVisionFamily family) {
    /** The task {@code model} was fine-tuned on: the task pool's task of the same name. */
    public ImageTaskPool.Task taskOf(ModelSource model) {
        if (!taskPool.taskNames().contains(model.name())) {
            throw new UserInputException("model '" + model.name() + "' of the model pool has no task of that name in the task pool"
                    + " (tasks: " + String.join(", ", taskPool.taskNames()) + "); data-dependent methods read each model's own task");
        }
        return taskPool.task(model.name());
    }
}

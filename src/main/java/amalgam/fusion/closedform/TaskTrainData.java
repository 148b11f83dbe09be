package amalgam.fusion.closedform;

import amalgam.data.LabelledImages;
import amalgam.fusion.FusionData;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ZeroShotHead;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * One fine-tuned model's task as the closed-form methods read it: the task of the same name, its train split,
 * preprocessed as evaluation preprocesses, and its zero-shot head.
 */
public record TaskTrainData(String task, ImageTaskPool taskPool, LabelledImages images, int imageSize) {
    /** The train split of {@code model}'s task; a bad-input error naming the task when the pool gives none. */
    public static TaskTrainData of(FusionData data, ModelSource model) {
        ImageTaskPool.Task task = data.taskOf(model);
        LabelledImages images = task.split(ImageTaskPool.Split.TRAIN);
        if (images.size() == 0) {
            throw new amalgam.UserInputException("the train split of task '" + task.name() + "' is empty");
        }
        return new TaskTrainData(task.name(), data.taskPool(), images, data.family().model().config().vision().imageSize());
    }

    /** Images {@code indices} of the split as pixels [N, 3, H, W] in {@code arena}. */
    public Tensor pixels(int[] indices, Arena arena) {
        return taskPool.pixels(images, indices, imageSize, arena);
    }

    /** Labels of images {@code indices}. */
    public long[] labels(int[] indices) {
        long[] labels = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            labels[i] = images.label(indices[i]);
        }
        return labels;
    }

    /** The task's zero-shot head, in {@code arena}. */
    public ZeroShotHead head(Arena arena) {
        return taskPool.head(task, arena);
    }
}

package amalgam.fusion.tta;

import amalgam.data.ShuffledOrder;

import amalgam.data.LabelledImages;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.model.clip.ZeroShotHead;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The tasks a test-time method adapts on, in model pool order: each task's unlabeled test split (or, for a method
 * that trains on labels, its train split), its zero-shot head and its endless reshuffled batches ({@link ShuffledOrder},
 * streams split off one generator seeded with the run's seed, one per task in order). {@link #nextIndices} draws one
 * batch of every task, {@link #pixels} preprocesses a batch as evaluation does; {@link #labels} is read only by a
 * labelled objective.
 */
public final class TestTimeTasks {
    private final ImageTaskPool taskPool;
    private final List<String> names;
    private final List<LabelledImages> splits;
    private final List<ZeroShotHead> heads;
    private final List<ShuffledOrder> batches;
    private final int batchSize;
    private final int imageSize;

    /**
     * @param taskPool  the run's task pool
     * @param names     the tasks, in model pool order
     * @param batchSize images per task and step
     * @param imageSize the model's input size
     * @param seed      the run's seed
     * @param arena     where the heads are loaded
     */
    public TestTimeTasks(ImageTaskPool taskPool, List<String> names, int batchSize, int imageSize, long seed, Arena arena) {
        this(taskPool, ImageTaskPool.Split.TEST, names, batchSize, imageSize, seed, arena);
    }

    /** As above, drawing from {@code split}. */
    public TestTimeTasks(ImageTaskPool taskPool, ImageTaskPool.Split split, List<String> names, int batchSize, int imageSize,
                         long seed, Arena arena) {
        this.taskPool = taskPool;
        this.names = List.copyOf(names);
        this.imageSize = imageSize;
        this.batchSize = batchSize;
        this.splits = new ArrayList<>();
        this.heads = new ArrayList<>();
        this.batches = new ArrayList<>();
        SplittableRandom root = new SplittableRandom(seed);
        for (String name : this.names) {
            LabelledImages images = taskPool.task(name).split(split);
            if (images.size() == 0) {
                throw new amalgam.UserInputException("task '" + name + "' has an empty " + split.name().toLowerCase(java.util.Locale.ROOT)
                        + " split: this method adapts on its images");
            }
            splits.add(images);
            heads.add(taskPool.head(name, arena));
            batches.add(new ShuffledOrder(images.size(), root.split()));
        }
    }

    public List<String> names() {
        return names;
    }

    public List<ZeroShotHead> heads() {
        return heads;
    }

    /** The next batch of every task: indices into its test split, in task order. */
    public int[][] nextIndices() {
        int[][] indices = new int[names.size()][];
        for (int task = 0; task < names.size(); task++) {
            indices[task] = batches.get(task).nextBatch(batchSize);
        }
        return indices;
    }

    /** The labels of images {@code indices} of task {@code task}'s split. */
    public long[] labels(int task, int[] indices) {
        long[] labels = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            labels[i] = splits.get(task).label(indices[i]);
        }
        return labels;
    }

    /** Images {@code indices} of task {@code task}'s split, preprocessed into {@code arena} [N, C, H, W]. */
    public Tensor pixels(int task, int[] indices, Arena arena) {
        return taskPool.pixels(splits.get(task), indices, imageSize, arena);
    }
}

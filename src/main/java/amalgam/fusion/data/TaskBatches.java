package amalgam.fusion.data;

import amalgam.data.LabelledImages;
import amalgam.data.ShuffledOrder;
import amalgam.fusion.FusionData;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * An infinite loader over one task's split: batches of preprocessed images with their labels, in dataset order or
 * reshuffled every epoch from a seed (FusionBench's shuffled loaders; a port matches their distribution, not their
 * torch random stream). As a torch DataLoader restarted at the end of each epoch, a batch never spans two epochs: the
 * last one of an epoch holds what is left (a split smaller than the batch size gives the whole split every time).
 */
public final class TaskBatches {
    /** Pixels [B, 3, H, W] and labels [B] (unused by label-free losses). */
    public record Batch(Tensor pixels, long[] labels) {
    }

    private final FusionData data;
    private final LabelledImages images;
    private final int batchSize;
    private final ShuffledOrder order;

    /**
     * @param seed the order's seed (a method derives one per task from the run's seed), or null for dataset order
     */
    public TaskBatches(FusionData data, String task, ImageTaskPool.Split split, int batchSize, Long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.images = data.taskPool().task(task).split(split);
        this.batchSize = batchSize;
        this.order = seed == null ? ShuffledOrder.inOrder(images.size()) : new ShuffledOrder(images.size(), seed);
    }

    /** The split's size. */
    public int size() {
        return images.size();
    }

    /** The next batch: {@code batchSize} images, or what is left of the epoch; allocated in {@code arena}. */
    public Batch next(Arena arena) {
        return load(nextIndices(), arena);
    }

    /** The split indices of the next batch (as {@link #next} would load them), for methods that cache per-image values. */
    public int[] nextIndices() {
        return order.nextBatch(batchSize);
    }

    /** All images of the split in dataset order, in batches of at most {@code size} (for per-image values). */
    public Batch range(int start, int count, Arena arena) {
        int[] indices = new int[count];
        java.util.Arrays.setAll(indices, i -> start + i);
        return load(indices, arena);
    }

    /** The next {@code count} images of the stream, crossing into the next epoch if needed (a batch-1 loader's draws). */
    public Batch samples(int count, Arena arena) {
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = order.next();
        }
        return load(indices, arena);
    }

    private Batch load(int[] indices, Arena arena) {
        long[] labels = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            labels[i] = images.label(indices[i]);
        }
        int size = data.family().model().config().vision().imageSize();
        return new Batch(data.taskPool().pixels(images, indices, size, arena), labels);
    }

    /** A per-task seed from the run's seed, so tasks draw independent orders. */
    public static long seedFor(long runSeed, int taskIndex) {
        long h = runSeed * 0x9E3779B97F4A7C15L + (taskIndex + 1L) * 0xC2B2AE3D27D4EB4FL;
        return h ^ (h >>> 31);
    }
}

package amalgam.data.synthetic;

import amalgam.UserInputException;
import amalgam.data.LabelledImages;
import amalgam.data.image.RgbImage;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A split of a synthetic task: sample i has label i mod C (so every class is equally frequent) and is drawn from a
 * generator seeded by (seed, task, split, i) alone, so any sample can be made without the others and the same seed
 * gives the same pixels on every machine.
 */
public record SyntheticDataset(SyntheticTask task, Split split, int size, long seed) implements LabelledImages {
    /** The splits; their seeds differ, so no image is shared between them. */
    public enum Split {
        TRAIN, VALIDATION, TEST
    }

    /** The six built-in tasks, in a fixed order. */
    public static final List<SyntheticTask> TASKS = List.of(new ShapesTask(), new TexturesTask(), new CountingTask(),
            new OrientationTask(), new PositionTask(), new SymmetryTask());

    public static SyntheticTask task(String name) {
        return TASKS.stream().filter(task -> task.name().equals(name)).findFirst().orElseThrow(() -> new UserInputException(
                "unknown synthetic task '" + name + "'; known: " + TASKS.stream().map(SyntheticTask::name).toList()));
    }

    public int label(int index) {
        return index % task.classNames().size();
    }

    public RgbImage image(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("sample " + index + " of " + size);
        }
        return task.render(label(index), new SplittableRandom(sampleSeed(index)));
    }

    private long sampleSeed(int index) {
        long h = seed * 0x9E3779B97F4A7C15L ^ task.name().hashCode() * 0xC2B2AE3D27D4EB4FL;
        h ^= (split.ordinal() + 1L) * 0x165667B19E3779F9L;
        h ^= index * 0xD6E8FEB86659FD93L;
        return h ^ (h >>> 29);
    }
}

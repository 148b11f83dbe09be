package amalgam.model.clip;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The class names of the zero-shot heads of the TALL20 tasks (named as {@link ZeroShotTemplates} names them), in label
 * order, as FusionBench's CLIP classification tasks use them. They are dataset facts kept as data: one resource file
 * per task, {@code /amalgam/classnames/TASK.txt}, UTF-8, one name per line. Each list's length is the dataset's
 * number of classes (SUN397 397, Stanford Cars 196, RESISC45 45, GTSRB 43, DTD 47, Flowers102 102, FER2013 7,
 * Oxford-IIIT Pet 37, CIFAR-100 100, Food-101 101, EMNIST letters 26, PCam and rendered SST-2 2, the rest 10).
 */
public final class ZeroShotClassNames {
    private static final String FOLDER = "/amalgam/classnames/";

    private ZeroShotClassNames() {
    }

    /** The built-in class names of {@code task}, or empty for a task outside TALL20. */
    public static Optional<List<String>> forTask(String task) {
        if (!ZeroShotTemplates.TALL20.contains(task)) {
            return Optional.empty();
        }
        try (InputStream in = ZeroShotClassNames.class.getResourceAsStream(FOLDER + task + ".txt")) {
            if (in == null) {
                throw new IllegalStateException("class names of task '" + task + "' missing from the build (" + FOLDER + ")");
            }
            List<String> names = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            return Optional.of(names);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class names of task '" + task + "'", e);
        }
    }
}

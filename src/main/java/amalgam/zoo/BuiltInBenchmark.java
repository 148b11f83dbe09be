package amalgam.zoo;

import amalgam.UserInputException;
import amalgam.fusion.taskpool.ImageTaskPool;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded benchmark: the {@link ZooRecipe#MINI8} model zoo shipped in the repository under {@code zoo/mini8}
 * (model pool {@code modelpool=mini8}) and its eight test splits with their heads (task pool {@code taskpool=mini8}).
 */
public final class BuiltInBenchmark {
    public static final String NAME = "mini8";
    private static final int BATCH_SIZE = 128;

    private BuiltInBenchmark() {
    }

    /**
     * The installation root: {@code -Damalgam.home}, else {@code AMALGAM_HOME}, else the folder above the jar's
     * {@code target/} (the repository the launcher built it in).
     */
    public static Path home() {
        String property = System.getProperty("amalgam.home");
        if (property != null) {
            return Path.of(property);
        }
        String environment = System.getenv("AMALGAM_HOME");
        if (environment != null) {
            return Path.of(environment);
        }
        try {
            Path code = Path.of(BuiltInBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.toAbsolutePath().getParent().getParent();
        } catch (URISyntaxException | SecurityException e) {
            return Path.of("").toAbsolutePath();
        }
    }

    public static Path zooDirectory() {
        return home().resolve("zoo").resolve(NAME);
    }

    /** The built-in model pool file, checked to exist. */
    public static Path modelPoolFile() {
        Path file = zooDirectory().resolve(ZooBuilder.MARKER);
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("the built-in model zoo is missing at '" + zooDirectory()
                    + "'; run 'amalgam zoo build' or set AMALGAM_HOME to the repository");
        }
        return file;
    }

    /** The eight tasks' train, val and test splits with the zoo's heads. */
    public static ImageTaskPool taskPool(ZooRecipe recipe, Path zooDirectory) {
        List<ImageTaskPool.Task> tasks = new ArrayList<>();
        for (String task : recipe.tasks()) {
            Path head = zooDirectory.resolve("heads").resolve(task + ".safetensors");
            if (!Files.isRegularFile(head)) {
                throw new UserInputException("the model zoo at '" + zooDirectory + "' has no head for task '" + task + "'");
            }
            String identity = "builtin " + recipe.name() + " " + task + " test " + recipe.testSize() + " seed " + recipe.dataSeed();
            tasks.add(new ImageTaskPool.Task(task, ZooData.test(recipe, task, zooDirectory), head, identity,
                    ZooData.trainSplit(recipe, task, zooDirectory), ZooData.valSplit(recipe, task, zooDirectory)));
        }
        return ImageTaskPool.of(tasks, BATCH_SIZE);
    }
}

package amalgam.fusion.taskpool;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Tasks a saved model is evaluated on: image classification ({@link ImageTaskPool}) or language ({@link LanguageTaskPool}). */
public sealed interface TaskPool permits ImageTaskPool, LanguageTaskPool {
    List<String> taskNames();

    /** What a task's result depends on besides the model (the reference cache's key). */
    String identity(String taskName);

    /** The model in {@code modelDirectory} on every task, in pool order. */
    default Map<String, TaskMetrics> evaluate(Path modelDirectory, int threads) {
        return evaluate(modelDirectory, taskNames(), threads);
    }

    /** The model on the named tasks, in the order given. */
    Map<String, TaskMetrics> evaluate(Path modelDirectory, List<String> names, int threads);

    /** This pool on its validation splits instead of its test splits, or empty when some task has none. */
    Optional<? extends TaskPool> onValidation();

    /** This pool cut to its first batches (FusionBench's {@code fast_dev_run}). */
    TaskPool firstBatches(int batches);
}

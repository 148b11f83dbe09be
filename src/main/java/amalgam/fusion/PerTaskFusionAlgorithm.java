package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.merge.TensorJob;
import java.util.List;

/**
 * A method whose result is one model per task (a task-conditioned model): a run evaluates task i with the model
 * of {@link #planForTask} and saves one model directory per task. {@link #plan} is not meaningful for such
 * methods and reports so.
 */
public interface PerTaskFusionAlgorithm extends FusionAlgorithm {
    /** The jobs of the model used for task {@code taskIndex} (index into {@link ModelPool#models()}). */
    List<TensorJob> planForTask(ModelPool pool, long seed, int taskIndex);

    /** One model per task model of the pool, keyed by its name, in pool order. */
    @Override
    default FusionResult fuse(FusionContext context) {
        java.util.List<amalgam.merge.ModelSource> tasks = context.pool().models();
        if (tasks.isEmpty()) {
            throw new UserInputException("a per-task method needs fine-tuned models in the model pool; it has none");
        }
        java.util.SequencedMap<String, List<TensorJob>> models = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            models.put(tasks.get(i).name(), planForTask(context.pool(), context.seed(), i));
        }
        return new FusionResult.PerTaskModels(models);
    }

    /** The error {@link #plan} raises: such a method has no single fused model. */
    static UserInputException singleModelUnavailable(String method) {
        return new UserInputException("method '" + method + "' builds one model per task, not a single fused model;"
                + " run it with 'amalgam run', which saves one model per task under merged_model_save_path");
    }
}

package amalgam.fusion;

import amalgam.merge.TensorJob;
import java.util.List;

/**
 * A method whose result is one model per task (a task-conditioned model): a run evaluates task i with the model
 * of {@link #planForTask}. {@link #plan} is not meaningful for such methods and reports so.
 */
public interface PerTaskFusionAlgorithm extends FusionAlgorithm {
    /** The jobs of the model used for task {@code taskIndex} (index into {@link ModelPool#models()}). */
    List<TensorJob> planForTask(ModelPool pool, long seed, int taskIndex);
}

package amalgam.fusion.tta;

import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/** The CLIP objective's terms ({@link EntropyObjective}) on the image batches of {@link TestTimeTasks}. */
public record ImageTerms(EntropyObjective objective, TestTimeTasks batches) implements TaskTerms<Tensor> {
    @Override
    public int tasks() {
        return objective.tasks();
    }

    @Override
    public int[][] nextIndices() {
        return batches.nextIndices();
    }

    @Override
    public Tensor batch(int task, int[] indices, Arena arena) {
        return batches.pixels(task, indices, arena);
    }

    @Override
    public Var loss(Graph graph, Parameters params, int task, int[] indices, Tensor pixels) {
        return objective.taskLoss(graph, params, task, pixels, objective.labelled() ? batches.labels(task, indices) : null);
    }
}

package amalgam.fusion.tta;

import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import java.lang.foreign.Arena;

/**
 * A test-time objective as a sum of per-task terms, each on its own batch: what {@link EntropyMinimization} trains.
 * A step draws the next batch indices of every task ({@link #nextIndices}, on the calling thread); a lane then reads a
 * task's batch ({@link #batch}) and computes its term ({@link #loss}) on its own graph and thread.
 *
 * @param <B> a task's batch as its term reads it (pixels, token ids)
 */
public interface TaskTerms<B> {
    int tasks();

    /** The next batch of every task: indices into its split, in task order. */
    int[][] nextIndices();

    /** Task {@code task}'s items {@code indices}, read into {@code arena} (confined to the calling lane's thread). */
    B batch(int task, int[] indices, Arena arena);

    /** Task {@code task}'s term on its batch under {@code params}. */
    Var loss(Graph graph, Parameters params, int task, int[] indices, B batch);
}

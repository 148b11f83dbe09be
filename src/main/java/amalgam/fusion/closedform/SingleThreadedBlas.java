package amalgam.fusion.closedform;

import amalgam.linalg.LinearAlgebra;
import java.util.function.Supplier;

/**
 * Runs a method's statistics with one BLAS thread (restoring the process-wide setting afterwards), as the task pool's
 * evaluation does: the run's threads go to the forward passes, and Gram sums and solves are then computed the same
 * way whatever {@code --threads} is.
 */
final class SingleThreadedBlas {
    private SingleThreadedBlas() {
    }

    static <T> T call(Supplier<T> work) {
        int previous = LinearAlgebra.threads();
        LinearAlgebra.setThreads(1);
        try {
            return work.get();
        } finally {
            LinearAlgebra.setThreads(previous);
        }
    }
}

package amalgam.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The backend description used for provenance, and the thread control. */
class BackendTest {
    @Test
    void describesOpenBlasWithVersionAndCoreButNotThreads() {
        String backend = LinearAlgebra.backend();
        assertTrue(backend.matches("OpenBLAS \\d+\\.\\d+\\.\\d+ \\S+"), backend);
    }

    @Test
    void threadCountIsGivenPerPieceOfWorkAndReturnsToOne() throws Exception {
        assertEquals(1, LinearAlgebra.threads(), "without a scope BLAS uses one thread");
        String one = LinearAlgebra.backend();
        int inside = LinearAlgebra.withThreads(2, () -> {
            assertEquals(one, LinearAlgebra.backend(), "the recorded backend must not depend on the thread count");
            // an overlapping piece of work runs under the first one's count and does not reset it when it ends
            int nested = LinearAlgebra.withThreads(1, LinearAlgebra::threads);
            assertEquals(2, nested);
            return LinearAlgebra.threads();
        });
        assertEquals(2, inside);
        assertEquals(1, LinearAlgebra.threads(), "back to one thread once no work asks for more");
        try (var scope = LinearAlgebra.useThreads(2)) {
            Thread other = new Thread(() -> LinearAlgebra.withThreads(1, () -> { }));
            other.start();
            other.join();
            assertEquals(2, LinearAlgebra.threads(), "another thread's shorter work does not end this scope's count");
        }
        assertEquals(1, LinearAlgebra.threads());
        assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.withThreads(0, () -> { }));
    }
}

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
    void threadCountCanBeSet() {
        int before = LinearAlgebra.threads();
        try {
            LinearAlgebra.setThreads(1);
            assertEquals(1, LinearAlgebra.threads());
            String one = LinearAlgebra.backend();
            LinearAlgebra.setThreads(2);
            assertEquals(one, LinearAlgebra.backend(), "the recorded backend must not depend on the thread count");
        } finally {
            LinearAlgebra.setThreads(before);
        }
        assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.setThreads(0));
    }
}

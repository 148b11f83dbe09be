package amalgam.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedTensorsTest {
    @Test
    void oneComputationWhileHeldAndFreedByTheLastRelease() {
        AtomicInteger computations = new AtomicInteger();
        try (SharedTensors shared = new SharedTensors()) {
            Tensor first = shared.acquire("t", arena -> {
                computations.incrementAndGet();
                return Tensor.allocate(arena, DType.F32, Shape.of(4));
            });
            Tensor second = shared.acquire("t", arena -> {
                computations.incrementAndGet();
                return Tensor.allocate(arena, DType.F32, Shape.of(4));
            });
            assertSame(first, second);
            assertEquals(1, computations.get());
            shared.release("t");
            first.setFloat(0, 1f); // still held by the second holder
            shared.release("t");
            assertEquals(0, shared.size());
            assertThrows(IllegalStateException.class, () -> first.setFloat(0, 2f), "freed after the last release");
            shared.release("never held");
        }
    }

    @Test
    void aFailedComputationHoldsNothing() {
        try (SharedTensors shared = new SharedTensors()) {
            assertThrows(IllegalArgumentException.class, () -> shared.acquire("t", arena -> {
                arena.allocate(16);
                throw new IllegalArgumentException("bad input");
            }));
            assertEquals(0, shared.size());
        }
    }
}

package amalgam.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.io.Checkpoint;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeEngineTest {
    @TempDir
    Path temp;

    /** A job whose values depend only on its index: i * 1000 + element. */
    private record IndexJob(int index, long size, DType dtype, AtomicLong inFlight, AtomicLong peak) implements TensorJob {
        @Override
        public String outputName() {
            return String.format("t%03d", index);
        }

        @Override
        public DType outputDType() {
            return dtype;
        }

        @Override
        public Shape outputShape() {
            return Shape.of(size);
        }

        @Override
        public long workingBytes() {
            return size * 4;
        }

        @Override
        public Tensor compute(Arena arena) {
            long now = inFlight.addAndGet(workingBytes());
            peak.accumulateAndGet(now, Math::max);
            Tensor out = Tensor.allocate(arena, DType.F32, Shape.of(size));
            for (long i = 0; i < size; i++) {
                out.setFloat(i, index * 1000f + i + 0.123f);
            }
            try {
                Thread.sleep(3); // long enough for the other worker's job to overlap this one when the budget allows
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            inFlight.addAndGet(-workingBytes());
            return out;
        }
    }

    private List<TensorJob> jobs(int count, DType dtype, AtomicLong inFlight, AtomicLong peak) {
        List<TensorJob> jobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            jobs.add(new IndexJob(i, 100 + 37L * i, dtype, inFlight, peak));
        }
        return jobs;
    }

    private Path run(String name, int threads, long memory, long shard, List<TensorJob> jobs) {
        Path out = temp.resolve(name);
        try (EngineOptions options = new EngineOptions(threads, memory, shard, false)) {
            new FusedModelWriter(options).write(jobs, new FusedModelSpec(out, null, null, Map.of(), false, provenance(), "merge_method: test"));
        }
        return out;
    }

    private static Provenance provenance() {
        return new Provenance("test", "test", Map.of(), List.of(), 7, Map.of());
    }

    @Test
    void outputIsBitIdenticalForAnyThreadCountAndShardSize() throws Exception {
        AtomicLong a = new AtomicLong();
        AtomicLong b = new AtomicLong();
        Path one = run("one", 1, 1 << 20, Long.MAX_VALUE, jobs(40, DType.F32, a, b));
        Path two = run("two", 2, 1 << 20, Long.MAX_VALUE, jobs(40, DType.F32, a, b));
        assertArrayEquals(Files.readAllBytes(one.resolve("model.safetensors")), Files.readAllBytes(two.resolve("model.safetensors")));
        Path sharded = run("sharded", 2, 1 << 20, 4096, jobs(40, DType.BF16, a, b));
        assertTrue(Files.exists(sharded.resolve("model.safetensors.index.json")));
        try (Checkpoint whole = Checkpoint.open(one); Checkpoint split = Checkpoint.open(sharded)) {
            assertEquals(40, split.tensors().size());
            Tensor t = whole.tensor("t017");
            Tensor s = split.tensor("t017");
            assertEquals(DType.BF16, s.dtype());
            for (long i = 0; i < t.elementCount(); i++) {
                assertEquals(t.getFloat(i), s.getFloat(i), Math.abs(t.getFloat(i)) / 128f);
            }
        }
        assertTrue(Files.readString(one.resolve("README.md")).contains("merge_method: test"));
    }

    /**
     * Job i holds 4 * (100 + 37 i) bytes while it runs; of 20 jobs the largest holds 3,212 B. A budget of 4,000 B
     * fits any one job but not two of the larger ones (jobs 12 and 13 together hold 4,500 B), so two workers must
     * take turns on them. The unbounded run shows that they do overlap when nothing stops them, so the bound is
     * what keeps the bounded run's peak down.
     */
    @Test
    void jobsInFlightStayWithinTheMemoryBudget() {
        long budget = 4_000;
        AtomicLong unboundedPeak = new AtomicLong();
        run("unbounded", 2, 1 << 20, Long.MAX_VALUE, jobs(20, DType.F32, new AtomicLong(), unboundedPeak));
        assertTrue(unboundedPeak.get() > budget, "with room for all, jobs overlap: peak " + unboundedPeak.get());
        AtomicLong peak = new AtomicLong();
        run("bounded", 2, budget, Long.MAX_VALUE, jobs(20, DType.F32, new AtomicLong(), peak));
        assertTrue(peak.get() <= budget, "peak " + peak.get() + " > budget " + budget);
        assertTrue(peak.get() >= (100 + 37 * 19) * 4, "the largest job ran: peak " + peak.get());
    }

    @Test
    void aFailingJobLeavesNothingAtTheOutputPath() throws Exception {
        List<TensorJob> jobs = new ArrayList<>(jobs(10, DType.F32, new AtomicLong(), new AtomicLong()));
        jobs.set(6, new TensorJob() {
            public String outputName() { return "t006"; }
            public DType outputDType() { return DType.F32; }
            public Shape outputShape() { return Shape.of(3); }
            public long workingBytes() { return 12; }
            public Tensor compute(Arena arena) { throw new UserInputException("tensor 't006': shape mismatch"); }
        });
        UserInputException error = assertThrows(UserInputException.class, () -> run("failed", 2, 1 << 20, Long.MAX_VALUE, jobs));
        assertTrue(error.getMessage().contains("t006"));
        assertFalse(Files.exists(temp.resolve("failed")));
        try (var left = Files.list(temp)) {
            assertEquals(0, left.count(), "staging directory left behind");
        }
    }

    /**
     * A failure must not free memory that another job still uses: job 1 runs on (deaf to interrupts, as native code
     * is) while job 0 fails, and the merge reports the failure only once job 1 has ended.
     */
    @Test
    void aFailureWaitsForTheJobsStillRunningBeforeFreeingTheirMemory() {
        List<TensorJob> jobs = new ArrayList<>(jobs(4, DType.F32, new AtomicLong(), new AtomicLong()));
        CountDownLatch slowStarted = new CountDownLatch(1);
        AtomicBoolean slowEnded = new AtomicBoolean();
        jobs.set(0, failing("t000", slowStarted));
        jobs.set(1, new TensorJob() {
            public String outputName() { return "t001"; }
            public DType outputDType() { return DType.F32; }
            public Shape outputShape() { return Shape.of(3); }
            public long workingBytes() { return 12; }
            public Tensor compute(Arena arena) {
                Tensor out = Tensor.allocate(arena, DType.F32, Shape.of(3));
                slowStarted.countDown();
                long end = System.nanoTime() + 300_000_000L;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                out.setFloat(0, 1f); // its arena must still be open
                slowEnded.set(true);
                return out;
            }
        });
        assertThrows(UserInputException.class, () -> run("failed", 2, 1 << 20, Long.MAX_VALUE, jobs));
        assertTrue(slowEnded.get(), "the merge failed while job 1 still ran on its memory");
    }

    private static TensorJob failing(String name, CountDownLatch after) {
        return new TensorJob() {
            public String outputName() { return name; }
            public DType outputDType() { return DType.F32; }
            public Shape outputShape() { return Shape.of(3); }
            public long workingBytes() { return 12; }
            public Tensor compute(Arena arena) {
                try {
                    after.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new UserInputException("tensor '" + name + "': shape mismatch");
            }
        };
    }

    @Test
    void aNonEmptyForeignDirectoryIsNotReplaced() throws Exception {
        Path foreign = Files.createDirectories(temp.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        assertThrows(UserInputException.class,
                () -> run("foreign", 1, 1 << 20, Long.MAX_VALUE, jobs(2, DType.F32, new AtomicLong(), new AtomicLong())));
        assertEquals("mine", Files.readString(foreign.resolve("notes.txt")));
    }
}

package amalgam.merge;

import amalgam.UserInputException;
import amalgam.io.MappedInputs;
import amalgam.io.ShardedCheckpointWriter;
import amalgam.io.StorageFailures;
import amalgam.io.TensorEntry;
import amalgam.parallel.StoppableTask;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SequencedMap;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Executes a plan: jobs run on a fixed pool of workers, admitted in plan order while their working bytes fit the
 * memory budget; a writer thread takes results strictly in plan order and streams them into the output shards.
 * Because every job is pure and the write order is the plan order, the output is bit-identical for any thread
 * count. The job at the head of the plan was always admitted first, so the writer never waits on a job that
 * cannot get memory. At most two jobs per worker are in flight unwritten: more would not make the writer faster,
 * and fewer buffers in flight are reused from the pool instead of freshly faulted in. The writer is resumable: a
 * merge killed and started again into the same staging folder skips the tensors already durable there.
 */
public final class MergeEngine {
    private final EngineOptions options;

    public MergeEngine(EngineOptions options) {
        this.options = options;
    }

    /** Computes every job and writes the tensors into {@code directory} (which must exist) with the metadata. */
    public void execute(List<TensorJob> jobs, Path directory, SequencedMap<String, String> metadata) {
        checkUniqueNames(jobs);
        List<TensorEntry> entries = jobs.stream()
                .map(job -> new TensorEntry(job.outputName(), job.outputDType(), job.outputShape()))
                .toList();
        MemoryBudget budget = new MemoryBudget(options.memoryBytes());
        Semaphore unwritten = new Semaphore(2 * options.threads());
        BlockingQueue<Pending> inOrder = new ArrayBlockingQueue<>(Math.max(1, jobs.size()));
        ExecutorService workers = options.workers().executor(); // shared: drain() cancels what a failure leaves behind
        ExecutorService writerThread = Executors.newSingleThreadExecutor(daemonThreads("amalgam-writer"));
        // idle buffers kept for reuse come on top of the jobs in flight, so they get a quarter of the budget
        try (BlockPool pool = new BlockPool(options.memoryBytes() / 4);
             ShardedCheckpointWriter writer = ShardedCheckpointWriter.resumable(directory, entries, options.maxShardBytes(), metadata);
             Progress progress = Progress.start("merging", jobs.size(), options.progress())) {
            StorageFailures.requireSpace(directory, writer.bytesStillToWrite());
            // tensors an interrupted earlier run of the same merge already wrote durably are not computed again
            List<TensorJob> remaining = jobs.subList(writer.resumedTensors(), jobs.size());
            progress.stepBy(writer.resumedTensors());
            StoppableTask<Void> writing = StoppableTask.submit(writerThread,
                    () -> writeInOrder(remaining.size(), inOrder, writer, budget, unwritten, progress));
            try {
                for (TensorJob job : remaining) {
                    long reserved = reserve(budget, unwritten, job, writing);
                    if (reserved < 0) {
                        break;
                    }
                    Arena arena = new PooledArena(pool);
                    StoppableTask<Tensor> result = StoppableTask.submit(workers,
                            () -> OutputDTypes.convert(job.compute(arena), job.outputDType(), arena));
                    inOrder.put(new Pending(job, arena, result, reserved));
                }
                writing.get();
            } catch (ExecutionException failure) {
                throw rethrow(failure.getCause());
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("merge interrupted", interrupted);
            } finally {
                // nothing may still run when the arenas, the block pool and the writer are closed below
                writing.stop();
                drain(inOrder);
            }
            // the provenance recorded the inputs' digests: they must still be the bytes that were merged
            MappedInputs.checkUnchanged();
            writer.commit();
        } finally {
            writerThread.shutdownNow();
        }
    }

    /**
     * Reserves a place among the unwritten jobs and the job's memory, giving up (returning -1) if the writer has
     * stopped, e.g. on a failed job.
     */
    private static long reserve(MemoryBudget budget, Semaphore unwritten, TensorJob job, StoppableTask<Void> writing)
            throws InterruptedException {
        while (!unwritten.tryAcquire(100, TimeUnit.MILLISECONDS)) {
            if (writing.isDone()) {
                return -1;
            }
        }
        long bytes = job.workingBytes() + job.outputShape().byteSize(job.outputDType());
        while (!writing.isDone()) {
            long reserved = budget.tryAcquire(bytes, 100);
            if (reserved >= 0) {
                return reserved;
            }
        }
        unwritten.release();
        return -1;
    }

    private static Void writeInOrder(int count, BlockingQueue<Pending> inOrder, ShardedCheckpointWriter writer,
                                     MemoryBudget budget, Semaphore unwritten, Progress progress) throws Exception {
        for (int i = 0; i < count; i++) {
            Pending pending = inOrder.take();
            try {
                writer.write(pending.job().outputName(), pending.result().get());
            } catch (ExecutionException failure) {
                throw rethrow(failure.getCause());
            } finally {
                pending.result().stop(); // already ended unless this writer was stopped while waiting for it
                pending.arena().close();
                budget.release(pending.reserved());
                unwritten.release();
            }
            progress.step();
        }
        return null;
    }

    private static void drain(BlockingQueue<Pending> inOrder) {
        List<Pending> left = new ArrayList<>();
        inOrder.drainTo(left);
        for (Pending pending : left) {
            pending.result().stop(); // its own failure, if any, is already being reported: only free its memory
            pending.arena().close();
        }
    }

    private static void checkUniqueNames(List<TensorJob> jobs) {
        Set<String> seen = new HashSet<>();
        for (TensorJob job : jobs) {
            if (!seen.add(job.outputName())) {
                throw new UserInputException("the merge plan produces tensor '" + job.outputName() + "' twice");
            }
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(cause);
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private record Pending(TensorJob job, Arena arena, StoppableTask<Tensor> result, long reserved) {
    }
}

package amalgam.fusion.tta;

import amalgam.linalg.LinearAlgebra;
import amalgam.merge.Progress;
import amalgam.nn.Graph;
import amalgam.parallel.Lanes;
import amalgam.parallel.Parallel;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.nn.optim.AdamW;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The test-time training loop: for each of {@code steps} iterations, one batch of every task, each task's entropy
 * term ({@link EntropyObjective#taskLoss}) and its backward pass, the gradients summed over tasks in task order, and
 * one Adam step (torch.optim.Adam: betas (0.9, 0.999), eps 1e-8, no weight decay) on the trainable leaves.
 *
 * <p>Tasks run in parallel lanes (task t on lane t mod lanes), each lane with its own graph, single-threaded matrix
 * products and a replica of the parameterisation (shared frozen tensors, its own trainable leaves, set to the
 * trained values before every step). A task's loss and gradient are computed on one thread the same way whichever
 * lane runs it, and the sum is taken in task order, so results never depend on the thread count. One task's tower
 * on its own batch keeps every product large enough for BLAS to run near its single-core speed, and the lanes
 * never wait for each other inside a pass (multi-threaded BLAS on products this small spends most of its time
 * synchronising). A progress bar with the current loss is drawn on stderr when it is a terminal.
 */
public final class EntropyMinimization {
    /**
     * @param learningRate Adam's learning rate
     * @param steps        optimizer steps
     */
    public record Settings(float learningRate, long steps) {
        public Settings {
            if (!(learningRate > 0) || steps < 0) {
                throw new IllegalArgumentException("need a positive learning rate and steps >= 0, got " + learningRate + ", " + steps);
            }
        }
    }

    /**
     * What a run did and where its time went.
     *
     * @param losses        the loss at every step (before that step's update)
     * @param wallNanos     the whole loop
     * @param dataNanos     drawing and preprocessing batches (CPU time, summed over lanes)
     * @param forwardNanos  the forward passes, parameter expressions included (CPU time, summed over lanes)
     * @param backwardNanos the backward passes (CPU time, summed over lanes)
     * @param updateNanos   summing the gradients and the optimizer steps
     * @param blasSeconds   seconds inside matrix products (part of forward and backward), summed over lanes
     * @param lanes         lanes used
     */
    public record Outcome(float[] losses, long wallNanos, long dataNanos, long forwardNanos, long backwardNanos,
                          long updateNanos, double blasSeconds, int lanes) {
        /** One line: steps, wall seconds, and seconds per phase. */
        public String summary() {
            String trend = losses.length == 0 ? "" : String.format(Locale.ROOT, ", loss %.4f -> %.4f (mean of the last %d)",
                    losses[0], tailMean(), Math.min(50, losses.length));
            return String.format(Locale.ROOT, "%d steps in %.1f s on %d lanes%s (CPU seconds: batches %.1f, forward %.1f,"
                    + " backward %.1f; wall seconds in matrix products %.1f; update %.2f s)", losses.length, wallNanos / 1e9, lanes, trend,
                    dataNanos / 1e9, forwardNanos / 1e9, backwardNanos / 1e9, blasSeconds, updateNanos / 1e9);
        }

        /** The mean loss of the last 50 steps (fewer when the run was shorter). */
        public double tailMean() {
            int count = Math.min(50, losses.length);
            double sum = 0;
            for (int i = losses.length - count; i < losses.length; i++) {
                sum += losses[i];
            }
            return count == 0 ? Double.NaN : sum / count;
        }
    }

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private EntropyMinimization() {
    }

    /**
     * Trains {@code master.trainable()} in place and returns the losses and timings.
     *
     * @param master   the parameterisation whose leaves are trained
     * @param replicas makes a replica of it: the same frozen tensors, trainable leaves of the same shapes
     * @param threads  threads to use (lanes); results do not depend on it
     */
    public static Outcome run(Parameters master, Supplier<? extends Parameters> replicas, EntropyObjective objective,
                              TestTimeTasks tasks, Settings settings, int threads, String label) {
        return run(master, replicas, objective, tasks, settings, threads, label, () -> { });
    }

    /**
     * As above, calling {@code beforeEachStep} on the calling thread before every step (a stochastic
     * parameterisation draws the step's noise there, so every lane sees the same sample).
     */
    public static Outcome run(Parameters master, Supplier<? extends Parameters> replicas, EntropyObjective objective,
                              TestTimeTasks tasks, Settings settings, int threads, String label, Runnable beforeEachStep) {
        return run(master, replicas, new ImageTerms(objective, tasks), settings, threads, label, beforeEachStep);
    }

    /** As above, on any objective's per-task terms. */
    public static <B> Outcome run(Parameters master, Supplier<? extends Parameters> replicas, TaskTerms<B> terms,
                                  Settings settings, int threads, String label, Runnable beforeEachStep) {
        float[] losses = new float[Math.toIntExact(settings.steps())];
        long update = 0;
        try (Passes<B> passes = new Passes<>(master, replicas, terms, threads);
             AdamW adam = new AdamW(master.trainable(), AdamW.Settings.defaults(0f), new Parallel(1));
             Progress progress = Progress.start(label, settings.steps(), true)) {
            for (int step = 0; step < losses.length; step++) {
                beforeEachStep.run();
                float loss = passes.pass();
                long t0 = System.nanoTime();
                adam.step(settings.learningRate());
                update += System.nanoTime() - t0;
                losses[step] = loss;
                progress.message(String.format(Locale.ROOT, "loss %.4f", loss));
                progress.step();
            }
            return passes.outcome(losses, update);
        }
    }

    /**
     * Gradient passes of the objective over a parameterisation: each {@link #pass} draws the next batch of every
     * task, computes each task's entropy term and gradient in the lanes and leaves the task-order sum of the gradients
     * in the master's trainable leaves. Training loops (one optimizer, or several on different leaves) step from there.
     */
    public static final class Passes<B> implements AutoCloseable {
        private final List<Var> trainable;
        private final TaskTerms<B> terms;
        private final int laneCount;
        private final List<Lane> lanes = new ArrayList<>();
        private final Arena arena = Arena.ofShared();
        private final Tensor[][] taskGrads;
        private final float[] taskLosses;
        private final long[] phases = new long[3]; // data, forward, backward (lane-nanoseconds)
        private final long wallStart = System.nanoTime();
        private final double blasBefore = LinearAlgebra.blasSeconds();
        private long dataMain;
        private long sums;

        /**
         * @param master   the parameterisation whose leaves receive the gradients
         * @param replicas makes a replica of it: the same frozen tensors, trainable leaves of the same shapes
         * @param threads  threads to use (lanes); results do not depend on it
         */
        public Passes(Parameters master, Supplier<? extends Parameters> replicas, TaskTerms<B> terms, int threads) {
            this.trainable = master.trainable();
            this.terms = terms;
            int taskCount = terms.tasks();
            this.laneCount = Math.max(1, Math.min(threads, taskCount));
            this.taskGrads = new Tensor[taskCount][trainable.size()];
            this.taskLosses = new float[taskCount];
            for (int task = 0; task < taskCount; task++) {
                for (int i = 0; i < trainable.size(); i++) {
                    taskGrads[task][i] = Tensor.allocate(arena, DType.F32, trainable.get(i).shape());
                }
            }
            for (int lane = 0; lane < laneCount; lane++) {
                lanes.add(new Lane(replicas.get()));
            }
        }

        /** One pass on the next batches; returns the summed loss, with its gradient in the master's leaves (replacing theirs). */
        public float pass() {
            long t0 = System.nanoTime();
            int[][] indices = terms.nextIndices();
            dataMain += System.nanoTime() - t0;
            int taskCount = terms.tasks();
            List<Callable<long[]>> jobs = new ArrayList<>();
            for (int lane = 0; lane < laneCount; lane++) {
                Lane worker = lanes.get(lane);
                worker.copyValuesFrom(trainable);
                int first = lane;
                jobs.add(() -> {
                    long[] spent = new long[3];
                    for (int task = first; task < taskCount; task += laneCount) {
                        taskLosses[task] = worker.taskStep(terms, task, indices[task], taskGrads[task], spent);
                    }
                    return spent;
                });
            }
            for (long[] spent : laneCount == 1 ? List.of(call(jobs.getFirst())) : Lanes.run(laneCount, jobs)) {
                for (int phase = 0; phase < 3; phase++) {
                    phases[phase] += spent[phase];
                }
            }
            long t1 = System.nanoTime();
            trainable.forEach(Var::zeroGrad);
            float loss = 0;
            for (int task = 0; task < taskCount; task++) {
                for (int i = 0; i < trainable.size(); i++) {
                    trainable.get(i).accumulateGrad(taskGrads[task][i]);
                }
                loss += taskLosses[task];
            }
            sums += System.nanoTime() - t1;
            return loss;
        }

        /** The timings so far, with the loop's losses and the nanoseconds its optimizer steps took. */
        public Outcome outcome(float[] losses, long updateNanos) {
            return new Outcome(losses, System.nanoTime() - wallStart, phases[0] + dataMain, phases[1], phases[2],
                    sums + updateNanos, LinearAlgebra.blasSeconds() - blasBefore, laneCount);
        }

        @Override
        public void close() {
            try {
                lanes.forEach(Lane::close);
            } finally {
                arena.close();
            }
        }
    }

    private static long[] call(Callable<long[]> job) {
        try {
            return job.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One lane: a replica of the parameterisation and a training graph reused from task to task and step to step. */
    private static final class Lane implements AutoCloseable {
        private final Parameters replica;
        private final Parallel single = new Parallel(1);
        private final Graph graph = Graph.training(single);

        Lane(Parameters replica) {
            this.replica = replica;
        }

        void copyValuesFrom(List<Var> trained) {
            List<Var> own = replica.trainable();
            for (int i = 0; i < own.size(); i++) {
                own.get(i).value().data().copyFrom(trained.get(i).value().data());
            }
        }

        /** Task {@code task}'s loss on its batch; its gradient goes to {@code grads}; adds nanoseconds to {@code spent}. */
        <B> float taskStep(TaskTerms<B> terms, int task, int[] indices, Tensor[] grads, long[] spent) {
            graph.reset();
            List<Var> own = replica.trainable();
            own.forEach(Var::zeroGrad);
            try (Arena arena = Arena.ofConfined()) { // this lane's thread is the only one reading the batch
                long t0 = CPU.getCurrentThreadCpuTime();
                B batch = terms.batch(task, indices, arena);
                long t1 = CPU.getCurrentThreadCpuTime();
                Var loss = terms.loss(graph, replica, task, indices, batch);
                long t2 = CPU.getCurrentThreadCpuTime();
                graph.backward(loss);
                long t3 = CPU.getCurrentThreadCpuTime();
                spent[0] += t1 - t0;
                spent[1] += t2 - t1;
                spent[2] += t3 - t2;
                for (int i = 0; i < own.size(); i++) {
                    Tensor grad = own.get(i).grad();
                    if (grad == null) {
                        grads[i].data().fill((byte) 0);
                    } else {
                        grads[i].data().copyFrom(grad.data());
                    }
                }
                return loss.item();
            }
        }

        @Override
        public void close() {
            graph.close();
            single.close();
            if (replica instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}

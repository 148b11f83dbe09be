package amalgam.cli;

import amalgam.UserInputException;
import amalgam.fusion.RunReport;
import amalgam.parallel.StoppableTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The jobs of a sweep on several lanes at once: each lane has its own engine (a share of the threads and of the memory
 * budget), its own program and its own recorder, and takes the next job when it is free. Every job is computed as
 * it would be alone (no result depends on the thread count), and its output is printed whole, in job order, once it
 * and every job before it are done: the output is the same for any number of lanes. On a failure the jobs not
 * started are dropped, the running ones are waited for, and the failure of the earliest job is reported.
 */
final class SweepLanes {
    /** What one lane runs jobs with. */
    interface Lane extends AutoCloseable {
        /** Runs job {@code job}, printing to {@code out}; its report, or null when the job ran nothing (dry_run). */
        RunReport run(int job, PrintWriter out);

        @Override
        void close();
    }

    /** A job's printed output and report. */
    record Done(int job, String text, RunReport report) {
    }

    /** Receives each job's output, in job order. */
    interface Sink {
        void accept(Done done);
    }

    private SweepLanes() {
    }

    /**
     * The lanes to use: {@code requested} if given, else as many as the cores allow at two threads a lane and the
     * machine's free memory allows at {@code laneBytes} a lane, never more than the jobs.
     */
    static int count(Integer requested, int jobs, int threads, long laneBytes) {
        if (requested != null) {
            if (requested < 1) {
                throw new UserInputException("--lanes must be at least 1, got " + requested);
            }
            return Math.min(requested, Math.max(1, jobs));
        }
        long free = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getFreeMemorySize() : 0;
        long byMemory = Math.max(1, free / Math.max(1, laneBytes));
        return (int) Math.max(1, Math.min(Math.min(jobs, threads / 2), byMemory));
    }

    /**
     * Runs jobs 0..jobs-1 on {@code lanes} (closed at the end), passing each job's output to {@code sink} in order. With
     * one lane the jobs run here, one after another, printing straight to {@code direct} (their Done has no text).
     */
    static void run(int jobs, List<Lane> lanes, PrintWriter direct, Sink sink) {
        if (lanes.size() == 1) {
            try (Lane lane = lanes.getFirst()) {
                for (int job = 0; job < jobs; job++) {
                    sink.accept(new Done(job, "", lane.run(job, direct)));
                }
            }
            return;
        }
        BlockingQueue<Lane> free = new ArrayBlockingQueue<>(lanes.size(), false, lanes);
        ExecutorService executor = Executors.newFixedThreadPool(lanes.size(), runnable -> {
            Thread thread = new Thread(runnable, "amalgam-sweep-lane");
            thread.setDaemon(true);
            return thread;
        });
        List<StoppableTask<Done>> tasks = new ArrayList<>();
        try {
            for (int job = 0; job < jobs; job++) {
                int number = job;
                tasks.add(StoppableTask.submit(executor, () -> {
                    Lane lane = free.take();
                    try {
                        StringWriter text = new StringWriter();
                        PrintWriter out = new PrintWriter(text);
                        RunReport report = lane.run(number, out);
                        out.flush();
                        return new Done(number, text.toString(), report);
                    } finally {
                        free.add(lane);
                    }
                }));
            }
            for (StoppableTask<Done> task : tasks) {
                sink.accept(task.get());
            }
        } catch (ExecutionException failure) {
            if (failure.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(failure.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running the sweep", interrupted);
        } finally {
            tasks.forEach(StoppableTask::stop);
            executor.shutdownNow();
            lanes.forEach(Lane::close);
        }
    }
}

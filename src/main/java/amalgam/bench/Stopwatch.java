package amalgam.bench;

/** Best-of-N timing of a piece of work (the minimum is the least disturbed by a noisy shared machine). */
final class Stopwatch {
    private Stopwatch() {
    }

    interface Work {
        void run() throws Exception;
    }

    /** Runs the work once to warm up, then {@code repetitions} times; returns the fastest run in seconds. */
    static double best(int repetitions, Work work) throws Exception {
        work.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repetitions; i++) {
            long start = System.nanoTime();
            work.run();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        return best;
    }

    static double gigabytesPerSecond(double bytes, double seconds) {
        return bytes / seconds / 1e9;
    }
}

package amalgam.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import amalgam.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs one {@link FuzzTarget}: replays its corpus ({@code src/test/resources/fuzz/NAME/}: {@code seeds/} must be
 * accepted, {@code hostile/} and {@code regressions/} accepted or refused with a {@link UserInputException}), then
 * feeds it mutated corpus inputs for the time {@link FuzzSettings} allows. Each input runs on a worker thread with
 * a timeout and its heap allocation counted; a throwable other than {@code UserInputException}, a timeout, or an
 * allocation above {@link #allowance} is a finding. Findings are shrunk, written to {@code target/fuzz-failures/NAME/}
 * and reported (with base64 when small) in the failure message.
 */
final class FuzzHarness implements AutoCloseable {
    /**
     * Heap an input may allocate in all (garbage included): a fixed 64 MiB plus 2 KiB per input byte. SnakeYAML
     * allocates about 600 bytes per byte of a long comment line (and a merge config is parsed twice here);
     * amplification (aliases, references, sizes read from the file) goes far beyond.
     */
    static long allowance(int inputLength) {
        return (64L << 20) + 2048L * inputLength;
    }

    private static final int MAX_FINDINGS = 20;
    private static final int MAX_SHRINK_ATTEMPTS = 400;
    private static final long SHRINK_NANOS = 10_000_000_000L;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final FuzzTarget target;
    private final FuzzSettings settings;
    private final Path work;
    private final Map<String, List<byte[]>> corpus = new LinkedHashMap<>();
    private final Map<String, List<Path>> corpusFiles = new LinkedHashMap<>();
    private ExecutorService worker = newWorker();

    /** What one input did. */
    record Outcome(Kind kind, String signature, Throwable error, long allocated, Duration took) {
        enum Kind { ACCEPTED, REFUSED, FINDING }

        boolean finding() {
            return kind == Kind.FINDING;
        }
    }

    FuzzHarness(FuzzTarget target, Path temp) throws Exception {
        this.target = target;
        this.settings = FuzzSettings.forTarget(target.name());
        this.work = Files.createDirectories(temp.resolve("work"));
        target.setUp().prepare(work);
        for (String kind : List.of("seeds", "hostile", "regressions")) {
            List<Path> files = corpusFiles(target.name(), kind);
            corpusFiles.put(kind, files);
            List<byte[]> contents = new ArrayList<>();
            for (Path file : files) {
                contents.add(Files.readAllBytes(file));
            }
            corpus.put(kind, contents);
        }
        warmUp();
    }

    private static List<Path> corpusFiles(String target, String kind) throws IOException {
        URL url = FuzzHarness.class.getResource("/fuzz/" + target + "/" + kind);
        if (url == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fuzz-worker");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The target once on the first seed without a timeout, so class loading and start-up are not timed. */
    private void warmUp() {
        List<byte[]> seeds = corpus.get("seeds");
        if (!seeds.isEmpty()) {
            Duration timeout = settings.timeout();
            try {
                Files.write(work.resolve(target.fileName()), seeds.getFirst());
                worker.submit(() -> {
                    try {
                        target.action().accept(work.resolve(target.fileName()));
                    } catch (Throwable ignored) {
                        // replayCorpus reports it
                    }
                }).get();
            } catch (Exception e) {
                throw new IllegalStateException("warm-up of " + target.name() + " (timeout " + timeout + ")", e);
            }
        }
    }

    /** Every seed is accepted; every hostile or regression input is accepted or refused with the typed error. */
    void replayCorpus() {
        if (corpus.get("seeds").isEmpty()) {
            fail("no seeds in src/test/resources/fuzz/" + target.name() + "/seeds");
        }
        List<String> problems = new ArrayList<>();
        Throwable first = null;
        for (Map.Entry<String, List<Path>> kind : corpusFiles.entrySet()) {
            List<byte[]> contents = corpus.get(kind.getKey());
            for (int i = 0; i < contents.size(); i++) {
                Outcome outcome = run(contents.get(i));
                Path file = kind.getValue().get(i);
                boolean wrong = outcome.finding() || kind.getKey().equals("seeds") && outcome.kind() != Outcome.Kind.ACCEPTED;
                if (wrong) {
                    problems.add(kind.getKey() + "/" + file.getFileName() + ": " + outcome.signature() + " "
                            + (outcome.error() == null ? "" : outcome.error()));
                    first = first == null ? outcome.error() : first;
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(target.name() + " corpus: " + problems.size() + " input(s) not handled as expected:\n  "
                    + String.join("\n  ", problems), first);
        }
    }

    /** Mutated inputs for the target's budget; fails listing every distinct finding. */
    void fuzz() {
        List<byte[]> bases = new ArrayList<>();
        corpus.values().forEach(bases::addAll);
        Mutator mutator = new Mutator(bases, target.dictionary(), target.text(), target.maxSize());
        Mutator inner = target.inner() == null ? null : new Mutator(bases, target.inner().dictionary(), target.inner().text(),
                target.maxSize());
        long base = settings.seed() ^ (target.name().hashCode() * 0xC2B2AE3D27D4EB4FL);
        long deadline = System.nanoTime() + settings.budget().toNanos();
        Map<String, String> findings = new LinkedHashMap<>();
        Throwable firstError = null;
        long tried = 0;
        long accepted = 0;
        long slowest = 0;
        for (long i = 0; i < settings.inputs() && System.nanoTime() < deadline && findings.size() < MAX_FINDINGS; i++) {
            byte[] input = input(mutator, inner, new SplittableRandom(base + i * 0x9E3779B97F4A7C15L));
            Outcome outcome = run(input);
            tried++;
            accepted += outcome.kind() == Outcome.Kind.ACCEPTED ? 1 : 0;
            slowest = Math.max(slowest, outcome.took().toMillis());
            if (outcome.finding() && !findings.containsKey(outcome.signature())) {
                findings.put(outcome.signature(), report(input, outcome, i));
                firstError = firstError == null ? outcome.error() : firstError;
            }
        }
        System.out.printf("fuzz %s: seed %d, %d inputs in %s (%d accepted), slowest %d ms, %d finding(s)%n", target.name(),
                settings.seed(), tried, settings.budget(), accepted, slowest, findings.size());
        if (!findings.isEmpty()) {
            fail(target.name() + ": " + findings.size() + " finding(s) (seed " + settings.seed() + "):\n"
                    + String.join("\n", findings.values()), firstError);
        }
    }

    /** A mutated input: for half of them (when the target has a part to mutate) the part is mutated in a seed. */
    private byte[] input(Mutator mutator, Mutator inner, SplittableRandom random) {
        if (inner == null || random.nextBoolean()) {
            return mutator.next(random);
        }
        try {
            return target.inner().rebuild().apply(mutator.seed(random), part -> inner.mutate(part, random));
        } catch (Exception unusable) {
            return mutator.next(random); // a seed whose container the rebuild does not understand (a hostile one)
        }
    }

    /** Shrinks the input, writes both versions under target/fuzz-failures, and describes the finding. */
    private String report(byte[] input, Outcome outcome, long iteration) {
        byte[] small = outcome.signature().equals("timeout") ? input : shrink(input, outcome.signature());
        Path directory = Path.of(System.getProperty("amalgam.home", ".")).resolve("target/fuzz-failures").resolve(target.name());
        String name = "input-" + iteration + "-" + sha256(small).substring(0, 12);
        try {
            Files.createDirectories(directory);
            Files.write(directory.resolve(name + ".original-" + target.fileName()), input);
            Files.write(directory.resolve(name + "-" + target.fileName()), small);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder text = new StringBuilder("  [" + outcome.signature() + "] input " + iteration + ": "
                + outcome.error() + "\n    written to " + directory.resolve(name + "-" + target.fileName())
                + " (" + small.length + " bytes, shrunk from " + input.length + ")");
        if (small.length <= 4096) {
            text.append("\n    base64: ").append(Base64.getEncoder().encodeToString(small));
        }
        return text.toString();
    }

    /** Delta debugging by removal of chunks, keeping the finding's signature. */
    private byte[] shrink(byte[] input, String signature) {
        byte[] best = input;
        int attempts = 0;
        long deadline = System.nanoTime() + SHRINK_NANOS;
        for (int chunk = Math.max(1, best.length / 2); chunk >= 1 && attempts < MAX_SHRINK_ATTEMPTS; chunk /= 2) {
            for (int at = 0; at + chunk <= best.length && attempts < MAX_SHRINK_ATTEMPTS && System.nanoTime() < deadline; ) {
                byte[] candidate = Mutator.cut(best, at, at + chunk);
                attempts++;
                Outcome outcome = run(candidate);
                if (outcome.finding() && outcome.signature().equals(signature)) {
                    best = candidate;
                } else {
                    at += chunk;
                }
            }
        }
        return best;
    }

    /** One input through the target on the worker thread. */
    Outcome run(byte[] input) {
        Path file = work.resolve(target.fileName());
        try {
            Files.write(file, input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long start = System.nanoTime();
        Future<Object[]> future = worker.submit(() -> {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            Throwable error = null;
            try {
                target.action().accept(file);
            } catch (Throwable t) {
                error = t;
            }
            return new Object[] {THREADS.getCurrentThreadAllocatedBytes() - before, error};
        });
        Object[] result;
        try {
            result = future.get(settings.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            return new Outcome(Outcome.Kind.FINDING, "timeout",
                    new AssertionError("no answer within " + settings.timeout().toMillis() + " ms"), -1, settings.timeout());
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        long allocated = (Long) result[0];
        Throwable error = (Throwable) result[1];
        if (error != null && !(error instanceof UserInputException)) {
            return new Outcome(Outcome.Kind.FINDING, signature(error), error, allocated, took);
        }
        if (allocated > allowance(input.length)) {
            return new Outcome(Outcome.Kind.FINDING, "allocation", new AssertionError("allocated " + allocated
                    + " bytes for a " + input.length + "-byte input (allowance " + allowance(input.length) + ")", error),
                    allocated, took);
        }
        return new Outcome(error == null ? Outcome.Kind.ACCEPTED : Outcome.Kind.REFUSED, "", error, allocated, took);
    }

    /** The exception's class and its first frame in the project's main code, to tell findings apart. */
    static String signature(Throwable error) {
        if (error instanceof CliInternalError cli) {
            return cli.signature();
        }
        for (StackTraceElement frame : error.getStackTrace()) {
            if (frame.getClassName().startsWith("amalgam.") && !frame.getClassName().startsWith("amalgam.fuzz.")) {
                return error.getClass().getName() + " at " + frame;
            }
        }
        StackTraceElement[] trace = error.getStackTrace();
        return error.getClass().getName() + (trace.length == 0 ? "" : " at " + trace[0]);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    /** An exit code 1 of the CLI: an internal error, with the stack trace {@code --debug} printed. */
    static final class CliInternalError extends RuntimeException {
        CliInternalError(String err) {
            super(err);
        }

        String signature() {
            String exception = "";
            for (String line : getMessage().split("\n")) {
                if (exception.isEmpty() && line.startsWith("amalgam: internal error: ")) {
                    exception = line.substring("amalgam: internal error: ".length()).split(":")[0];
                } else if (line.strip().startsWith("at amalgam.")) {
                    return exception + " " + line.strip();
                }
            }
            return exception;
        }
    }
}

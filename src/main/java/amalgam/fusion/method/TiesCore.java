package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.F32Chunks;
import amalgam.fusion.ModelPool;
import amalgam.fusion.TensorInputs;
import amalgam.merge.ModelSource;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.AbsHistogramSelector;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The TIES-merging steps shared by {@code ties_merging}, {@code dare/ties_merging} and {@code opcm/ties_merging},
 * over rows (task vectors) that cover the whole model ("flat", FusionBench's flattening):
 * <ol>
 * <li>trim: per row keep |x| ≥ t, t = the j-th smallest |x| of the whole row, j = d − floor(d·K),
 * K = threshold/100 if threshold > 1 else threshold (j = 0 keeps everything);</li>
 * <li>elect: s = sign(Σᵢ M̂ᵢ); zero entries of s become sign(Σ over the whole model of s);</li>
 * <li>disjoint select: M̂ᵢ[p] where (s > 0 and M̂ᵢ > 0) or (s ≤ 0 and M̂ᵢ < 0);</li>
 * <li>aggregate: sum, mean (÷ max(1, #non-zero selected)) or max (max|selected| · s).</li>
 * </ol>
 * The two global statistics (per-row thresholds and the sign majority) take three streaming passes over the
 * model. Each pass cuts the tensors into blocks of at most {@link #BLOCK} elements (a cut that does not depend on
 * the thread count), runs the blocks on the planning threads and reads every block in cache-sized windows straight
 * from the stored inputs, deriving all rows of a window from one widened θ0 window. What a pass computes is integer
 * counts (histogram buckets, a sign sum) kept per thread and added up at the end, so the statistics are the same
 * for any number of threads; the per-element arithmetic is that of the whole-tensor formulas.
 */
final class TiesCore {
    /** Elements per streaming window: a few float32 windows per thread stay in the L2 cache. */
    static final long WINDOW = 1 << 14;
    /** Elements per block of a streaming pass (a multiple of {@link #WINDOW}): the unit of work of a thread. */
    static final long BLOCK = 16 * WINDOW;

    enum MergeFunction {
        SUM, MEAN, MAX;

        /** FusionBench's option string; only the part after the last '-' counts ("dis-mean" is mean). */
        static MergeFunction parse(String method, String option) {
            String key = option.substring(option.lastIndexOf('-') + 1);
            return switch (key) {
                case "sum" -> SUM;
                case "mean" -> MEAN;
                case "max" -> MAX;
                default -> throw new UserInputException("parameter 'merge_func' of method '" + method + "': unknown '"
                        + option + "'; valid: sum, mean, max");
            };
        }
    }

    /** The global statistics of one TIES merge. */
    record Statistics(float[] thresholds, float majoritySign) {
    }

    /** A change applied to every window of a row after it is derived (DARE's random drop). */
    @FunctionalInterface
    interface RowTransform {
        RowTransform NONE = (window, name, shape, row, start, count) -> {
        };

        void applyInPlace(MemorySegment window, String name, Shape shape, int row, long start, long count);
    }

    /** The rows of a TIES merge: row r = models[r] − base, then {@code transform}. */
    record RowSource(ModelSource base, List<ModelSource> models, RowTransform transform) {
        int rows() {
            return models.size();
        }

        /**
         * Reads tensor {@code name} of every input (checked against {@code shape}, and prefetched when asked);
         * scratch windows come from the arena.
         */
        TensorRows open(String name, Shape shape, Arena scratch, boolean prefetch) {
            Tensor theta0 = prefetch ? TensorInputs.stored(base, name, shape) : TensorInputs.check(base, name, shape);
            Tensor[] inputs = new Tensor[models.size()];
            for (int r = 0; r < inputs.length; r++) {
                ModelSource model = models.get(r);
                inputs[r] = prefetch ? TensorInputs.stored(model, name, shape) : TensorInputs.check(model, name, shape);
            }
            return new TensorRows(this, name, shape, theta0, inputs, scratch);
        }

        /** Checks every input's tensors of the scope (presence, shape) without reading them. */
        void check(Map<String, Shape> scope) {
            scope.forEach((name, shape) -> {
                TensorInputs.check(base, name, shape);
                models.forEach(model -> TensorInputs.check(model, name, shape));
            });
        }

        /** The inputs' tensor {@code name} is no longer needed. */
        void release(String name) {
            base.release(name);
            models.forEach(model -> model.release(name));
        }
    }

    /** Float32 windows of the rows of one tensor. Used by one thread at a time. */
    static final class TensorRows {
        private final RowSource source;
        private final String name;
        private final Shape shape;
        private final Tensor base;
        private final Tensor[] inputs;
        private final MemorySegment baseScratch;
        private final MemorySegment inputScratch;
        private MemorySegment baseWindow;
        private long baseStart = -1;

        private TensorRows(RowSource source, String name, Shape shape, Tensor base, Tensor[] inputs, Arena scratch) {
            this.source = source;
            this.name = name;
            this.shape = shape;
            this.base = base;
            this.inputs = inputs;
            this.baseScratch = scratch.allocate(WINDOW * Float.BYTES, 64);
            this.inputScratch = scratch.allocate(WINDOW * Float.BYTES, 64);
        }

        String name() {
            return name;
        }

        /** θ0[start, start + count) as float32 (at most {@link #WINDOW} elements; widened once per window). */
        MemorySegment base(long start, long count) {
            if (start != baseStart || baseWindow.byteSize() != count * Float.BYTES) {
                baseWindow = F32Chunks.window(base, start, count, baseScratch);
                TensorInputs.checkFinite(source.base(), name, baseWindow, start, count);
                baseStart = start;
            }
            return baseWindow;
        }

        /** Row r at [start, start + count) into {@code out}. */
        void row(int r, long start, long count, MemorySegment out) {
            MemorySegment input = F32Chunks.window(inputs[r], start, count, inputScratch);
            TensorInputs.checkFinite(source.models().get(r), name, input, start, count);
            F32Kernels.subtract(input, base(start, count), out, count);
            source.transform().applyInPlace(out, name, shape, r, start, count);
        }
    }

    private TiesCore() {
    }

    /** K as FusionBench reads the threshold option. */
    static double keepFraction(double threshold) {
        return threshold > 1 ? threshold / 100 : threshold;
    }

    /** Floating tensors of the reference model except {@code removeKeys}, with their shapes, in sorted order. */
    static Map<String, Shape> flattenedScope(ModelPool pool, Set<String> removeKeys) {
        return flattenedScope(pool.reference(), removeKeys);
    }

    static Map<String, Shape> flattenedScope(ModelSource reference, Set<String> removeKeys) {
        Map<String, Shape> scope = new LinkedHashMap<>();
        for (String name : reference.tensorNames()) {
            Tensor stored = reference.tensor(name);
            if (stored.dtype().isFloatingPoint() && !removeKeys.contains(name)) {
                scope.put(name, stored.shape());
            }
            reference.release(name);
        }
        return scope;
    }

    /** The 1-based rank of the trim threshold among the d magnitudes of a row (0: keep everything). */
    static long trimRank(Map<String, Shape> scope, double threshold) {
        long d = scope.values().stream().mapToLong(Shape::elementCount).sum();
        return Math.max(0, d - (long) Math.floor(d * keepFraction(threshold)));
    }

    static Statistics statistics(Map<String, Shape> scope, RowSource source, double threshold, Parallel parallel) {
        long rank = trimRank(scope, threshold);
        float[] thresholds = rank > 0 ? thresholds(scope, source, rank, parallel) : new float[source.rows()];
        return new Statistics(thresholds, majoritySign(scope, source, thresholds, parallel));
    }

    /** Per row, the {@code rank}-th smallest |x| over the whole scope (two passes). */
    static float[] thresholds(Map<String, Shape> scope, RowSource source, long rank, Parallel parallel) {
        int rows = source.rows();
        AbsHistogramSelector[] selections = new AbsHistogramSelector[rows];
        for (int r = 0; r < rows; r++) {
            selections[r] = AbsHistogramSelector.firstPass();
        }
        for (int pass = 0; pass < 2; pass++) {
            streamBlocks(scope, source, parallel, () -> new Counting(selections),
                    (worker, tensor, start, count) -> {
                        for (int r = 0; r < rows; r++) {
                            tensor.row(r, start, count, worker.row);
                            worker.shares[r].accept(worker.row, count);
                        }
                    },
                    worker -> {
                        for (int r = 0; r < rows; r++) {
                            selections[r].join(worker.shares[r]);
                        }
                    });
            if (pass == 0) {
                for (AbsHistogramSelector selection : selections) {
                    selection.secondPass(rank);
                }
            }
        }
        float[] thresholds = new float[rows];
        for (int r = 0; r < rows; r++) {
            thresholds[r] = selections[r].result();
        }
        return thresholds;
    }

    /** The sign of the whole model's sum of signs of the trimmed rows' sums, for entries whose own sum is zero. */
    private static float majoritySign(Map<String, Shape> scope, RowSource source, float[] thresholds, Parallel parallel) {
        long[] signSum = new long[1];
        streamBlocks(scope, source, parallel, SignCounting::new,
                (worker, tensor, start, count) -> {
                    worker.mass.asSlice(0, count * Float.BYTES).fill((byte) 0);
                    for (int r = 0; r < thresholds.length; r++) {
                        tensor.row(r, start, count, worker.row);
                        TiesKernels.addTrimmedInPlace(worker.mass, worker.row, thresholds[r], count);
                    }
                    worker.signSum += TiesKernels.signSum(worker.mass, count);
                },
                worker -> signSum[0] += worker.signSum);
        return Math.signum((float) signSum[0]);
    }

    /** θ0 + λ·TIES(rows) for tensor {@code name}, window by window (the inputs are released afterwards). */
    static Tensor merge(RowSource source, String name, Shape shape, Statistics statistics, MergeFunction function,
                        float lambda, Arena arena) {
        Tensor result = Tensor.allocate(arena, DType.F32, shape);
        MergeWindows windows = new MergeWindows(source.rows(), arena);
        TensorRows tensor = source.open(name, shape, arena, true);
        for (long start = 0, total = shape.elementCount(); start < total; start += WINDOW) {
            long count = Math.min(WINDOW, total - start);
            MemorySegment out = result.data().asSlice(start * Float.BYTES, count * Float.BYTES);
            MemorySegment.copy(tensor.base(start, count), 0, out, 0, count * Float.BYTES);
            windows.merge(tensor, statistics, function, start, count);
            F32Kernels.axpyInPlace(lambda, windows.merged, out, count);
        }
        source.release(name);
        return result;
    }

    /** Scratch for merging one window: the rows' windows and the merged (unscaled) window. */
    static final class MergeWindows {
        final MemorySegment[] rows;
        final MemorySegment merged;

        MergeWindows(int rowCount, Arena arena) {
            rows = new MemorySegment[rowCount];
            for (int r = 0; r < rowCount; r++) {
                rows[r] = arena.allocate(WINDOW * Float.BYTES, 64);
            }
            merged = arena.allocate(WINDOW * Float.BYTES, 64);
        }

        /** Derives the rows at [start, start + count) and merges them into {@link #merged}. */
        void merge(TensorRows tensor, Statistics statistics, MergeFunction function, long start, long count) {
            for (int r = 0; r < rows.length; r++) {
                tensor.row(r, start, count, rows[r]);
            }
            TiesKernels.merge(rows, statistics.thresholds(), statistics.majoritySign(), function, merged, count);
        }
    }

    /** The body of a streaming pass for one window [start, start + count) of a tensor's rows. */
    @FunctionalInterface
    interface WindowBody<W extends Worker> {
        void accept(W worker, TensorRows tensor, long start, long count);
    }

    /** A thread's state in a streaming pass: scratch windows, plus whatever the pass counts. */
    abstract static class Worker implements AutoCloseable {
        final Arena arena = Arena.ofShared();
        final MemorySegment row = window();

        final MemorySegment window() {
            return arena.allocate(WINDOW * Float.BYTES, 64);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    private static final class Counting extends Worker {
        final AbsHistogramSelector[] shares;

        Counting(AbsHistogramSelector[] selections) {
            shares = new AbsHistogramSelector[selections.length];
            for (int r = 0; r < selections.length; r++) {
                shares[r] = selections[r].share();
            }
        }
    }

    private static final class SignCounting extends Worker {
        final MemorySegment mass = window();
        long signSum;
    }

    private record Block(String name, Shape shape, int tensor, long start, long count) {
    }

    /** {@link #streamBlocks(Map, RowSource, Parallel, Supplier, WindowBody, Consumer)} for a pass that counts nothing. */
    static <W extends Worker> void streamBlocks(Map<String, Shape> scope, RowSource source, Parallel parallel,
                                                Supplier<W> newWorker, WindowBody<W> body) {
        streamBlocks(scope, source, parallel, newWorker, body, worker -> {
        });
    }

    /**
     * Runs {@code body} over every window of the scope's tensors, in blocks on the planning threads. A thread takes
     * an idle worker (or makes one) per block; afterwards {@code combine} sees every worker once, in no particular
     * order, so it must only add up counts. A tensor's first block prefetches its inputs (blocks are taken in order)
     * and its last one to finish releases them. The inputs are checked on the calling thread first, so input
     * errors read as in a sequential pass.
     */
    static <W extends Worker> void streamBlocks(Map<String, Shape> scope, RowSource source, Parallel parallel,
                                                Supplier<W> newWorker, WindowBody<W> body, Consumer<W> combine) {
        source.check(scope);
        List<Block> blocks = new ArrayList<>();
        List<Integer> perTensor = new ArrayList<>();
        for (Map.Entry<String, Shape> entry : scope.entrySet()) {
            long total = entry.getValue().elementCount();
            long start = 0;
            int count = 0;
            do {
                long n = Math.min(BLOCK, total - start);
                blocks.add(new Block(entry.getKey(), entry.getValue(), perTensor.size(), start, n));
                start += n;
                count++;
            } while (start < total);
            perTensor.add(count);
        }
        AtomicIntegerArray remaining = new AtomicIntegerArray(perTensor.stream().mapToInt(Integer::intValue).toArray());
        Deque<W> idle = new ConcurrentLinkedDeque<>();
        List<W> workers = Collections.synchronizedList(new ArrayList<>());
        try {
            parallel.forRange(blocks.size(), 1, (from, to) -> {
                for (long b = from; b < to; b++) {
                    Block block = blocks.get((int) b);
                    W worker = idle.poll();
                    if (worker == null) {
                        worker = newWorker.get();
                        workers.add(worker);
                    }
                    try (Arena scratch = Arena.ofConfined()) {
                        TensorRows tensor = source.open(block.name(), block.shape(), scratch, block.start() == 0);
                        for (long start = block.start(), end = start + block.count(); start < end; start += WINDOW) {
                            body.accept(worker, tensor, start, Math.min(WINDOW, end - start));
                        }
                    } finally {
                        idle.push(worker);
                    }
                    if (remaining.decrementAndGet(block.tensor()) == 0) {
                        source.release(block.name());
                    }
                }
            });
            workers.forEach(combine);
        } finally {
            workers.forEach(Worker::close);
        }
    }
}

package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.ModelPool;
import amalgam.merge.BlockPool;
import amalgam.merge.ModelSource;
import amalgam.merge.PooledArena;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.AbsHistogramSelector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * The two global statistics (per-row thresholds and the sign majority) take three streaming passes, each reading
 * one tensor of one row at a time.
 */
final class TiesCore {
    /** Row r of tensor {@code name} as a float32 working tensor. */
    @FunctionalInterface
    interface RowSource {
        Tensor row(int rowIndex, String name, Shape shape, Arena arena);
    }

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

    /** Idle buffers kept between rows of the statistics passes: a few tensors' worth. */
    private static final long STATISTICS_POOL_BYTES = 512L << 20;

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

    static Statistics statistics(Map<String, Shape> scope, int rows, RowSource source, double threshold) {
        long d = scope.values().stream().mapToLong(Shape::elementCount).sum();
        long keep = (long) Math.floor(d * keepFraction(threshold));
        long rank = Math.max(0, d - keep);
        float[] thresholds = new float[rows];
        // each pass re-derives every row tensor by tensor; pooled buffers spare a fresh zeroed mapping per row
        try (BlockPool buffers = new BlockPool(STATISTICS_POOL_BYTES)) {
            if (rank > 0) {
                selectThresholds(scope, rows, source, rank, thresholds, buffers);
            }
            return new Statistics(thresholds, majoritySign(scope, rows, source, thresholds, buffers));
        }
    }

    static void selectThresholds(Map<String, Shape> scope, int rows, RowSource source, long rank, float[] thresholds,
                                         BlockPool buffers) {
        List<AbsHistogramSelector> selections = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            selections.add(AbsHistogramSelector.firstPass());
        }
        for (int pass = 0; pass < 2; pass++) {
            for (Map.Entry<String, Shape> entry : scope.entrySet()) {
                for (int r = 0; r < rows; r++) {
                    try (Arena scratch = new PooledArena(buffers)) {
                        Tensor row = source.row(r, entry.getKey(), entry.getValue(), scratch);
                        selections.get(r).accept(row.data(), row.elementCount());
                    }
                }
            }
            if (pass == 0) {
                selections.forEach(selection -> selection.secondPass(rank));
            }
        }
        for (int r = 0; r < rows; r++) {
            thresholds[r] = selections.get(r).result();
        }
    }

    /** The sign of the whole model's sum of trimmed rows, for entries whose own sum is zero. */
    private static float majoritySign(Map<String, Shape> scope, int rows, RowSource source, float[] thresholds,
                                      BlockPool buffers) {
        long signSum = 0;
        for (Map.Entry<String, Shape> entry : scope.entrySet()) {
            try (Arena scratch = new PooledArena(buffers)) {
                Tensor mass = Tensor.allocate(scratch, DType.F32, entry.getValue());
                for (int r = 0; r < rows; r++) {
                    try (Arena rowArena = new PooledArena(buffers)) {
                        addTrimmed(mass, source.row(r, entry.getKey(), entry.getValue(), rowArena), thresholds[r]);
                    }
                }
                MemorySegment data = mass.data();
                for (long i = 0, n = mass.elementCount(); i < n; i++) {
                    signSum += (long) Math.signum(data.getAtIndex(Layouts.F32, i));
                }
            }
        }
        return Math.signum((float) signSum);
    }

    private static void addTrimmed(Tensor mass, Tensor row, float threshold) {
        MemorySegment sum = mass.data();
        MemorySegment values = row.data();
        for (long i = 0, n = mass.elementCount(); i < n; i++) {
            float x = values.getAtIndex(Layouts.F32, i);
            if (Math.abs(x) >= threshold) {
                sum.setAtIndex(Layouts.F32, i, sum.getAtIndex(Layouts.F32, i) + x);
            }
        }
    }

    /** The merged (unscaled) task vector of one tensor from its rows. */
    static Tensor merge(Tensor[] rows, Statistics statistics, MergeFunction function, Arena arena) {
        Shape shape = rows[0].shape();
        Tensor merged = Tensor.allocate(arena, DType.F32, shape);
        int count = rows.length;
        MemorySegment[] data = new MemorySegment[count];
        for (int r = 0; r < count; r++) {
            data[r] = rows[r].data();
        }
        MemorySegment out = merged.data();
        float[] thresholds = statistics.thresholds();
        float[] trimmed = new float[count];
        for (long i = 0, n = merged.elementCount(); i < n; i++) {
            float mass = 0;
            for (int r = 0; r < count; r++) {
                float x = data[r].getAtIndex(Layouts.F32, i);
                trimmed[r] = Math.abs(x) >= thresholds[r] ? x : 0f;
                mass += trimmed[r];
            }
            float sign = Math.signum(mass);
            if (sign == 0) {
                sign = statistics.majoritySign();
            }
            float sum = 0;
            float maxAbs = 0;
            int selected = 0;
            for (int r = 0; r < count; r++) {
                float x = trimmed[r];
                if ((sign > 0 && x > 0) || (sign <= 0 && x < 0)) {
                    sum += x;
                    maxAbs = Math.max(maxAbs, Math.abs(x));
                    selected++;
                }
            }
            out.setAtIndex(Layouts.F32, i, switch (function) {
                case SUM -> sum;
                case MEAN -> sum / Math.max(1, selected);
                case MAX -> maxAbs * sign;
            });
        }
        return merged;
    }
}

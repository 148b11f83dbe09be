package amalgam.mergekit.method;

import amalgam.UserInputException;
import amalgam.tensor.kernel.CounterRng;
import amalgam.tensor.Shape;
import java.util.Arrays;

/**
 * The ways the GTA family prunes one model's task vector {@code Δ} for one tensor (spec 3.7). Every variant
 * returns {@code Δ} unchanged at {@code density ≥ 1}. With {@code rescale} the L1 norm is restored:
 * {@code Δ⊙mask · Σ|Δ| / Σ|Δ⊙mask|} (skipped when either sum is below 1e-7) — not the DARE paper's {@code 1/p}.
 */
public enum Sparsifier {
    /** No pruning (task_arithmetic). */
    NONE,
    /**
     * TIES trim: keep the {@code k = int(density·numel)} entries of largest {@code |Δ|} (ties: lower index first);
     * {@code k = 0} is an error.
     */
    MAGNITUDE,
    /** DARE: keep each entry with probability {@code density} (counter-based RNG). */
    RANDOM,
    /**
     * Model breadcrumbs: drop the {@code n_top = int(gamma·numel)} largest and the
     * {@code n_bot = numel − int(density·numel) − n_top} smallest {@code |Δ|} (if {@code n_bot < 0}, {@code n_top}
     * absorbs it). Quirk kept: when {@code n_top} ends at 0 mergekit's slice {@code [n_bot:-0]} is empty and
     * everything is dropped.
     */
    MAGNITUDE_OUTLIERS,
    /**
     * DELLA MagPrune: within each row (1-D: one row; ≥3-D: along dim 1) rank {@code |Δ|} ascending, keep with
     * probability {@code density − ε + 2ε·(rank−1)/(n−1)}. Needs {@code 0 < density − ε} and {@code density + ε < 1};
     * rows of length 1 are an error (mergekit fails on a NaN probability); {@code density ≤ 0} gives zeros.
     */
    DELLA_MAGPRUNE;

    /** Parameters of one model's pruning. {@code gamma} / {@code epsilon} are used only by their variants. */
    public record Settings(double density, double gamma, double epsilon, boolean rescale) {
    }

    /** Prunes {@code delta} (not modified) and returns the result. */
    public float[] apply(float[] delta, Shape shape, Settings settings, CounterRng random, String where) {
        double density = settings.density();
        if (this == NONE || density >= 1) {
            return delta;
        }
        boolean[] keep = switch (this) {
            case MAGNITUDE -> magnitude(delta, density, where);
            case RANDOM -> random(delta.length, density, random);
            case MAGNITUDE_OUTLIERS -> outliers(delta, density, settings.gamma());
            case DELLA_MAGPRUNE -> {
                if (density <= 0) {
                    yield new boolean[delta.length];
                }
                yield della(delta, shape, density, settings.epsilon(), random, where);
            }
            case NONE -> throw new IllegalStateException();
        };
        return masked(delta, keep, settings.rescale());
    }

    static float[] masked(float[] delta, boolean[] keep, boolean rescale) {
        float[] out = new float[delta.length];
        double before = 0;
        double after = 0;
        for (int i = 0; i < delta.length; i++) {
            before += Math.abs(delta[i]);
            if (keep[i]) {
                out[i] = delta[i];
                after += Math.abs(delta[i]);
            }
        }
        if (rescale && before >= 1e-7 && after >= 1e-7) {
            float factor = (float) (before / after);
            for (int i = 0; i < out.length; i++) {
                out[i] *= factor;
            }
        }
        return out;
    }

    /** Flat indices sorted by {@code |Δ|} ascending, ties by lower index first. */
    static int[] ascendingMagnitude(float[] delta) {
        return sortedIndices(delta, false);
    }

    /** Flat indices sorted by {@code |Δ|} descending, ties by lower index first. */
    static int[] descendingMagnitude(float[] delta) {
        return sortedIndices(delta, true);
    }

    private static int[] sortedIndices(float[] delta, boolean descending) {
        // |x| as raw bits is monotone in the magnitude; pack (bits, index) into one long and sort primitives.
        long[] keys = new long[delta.length];
        for (int i = 0; i < keys.length; i++) {
            long bits = Float.floatToRawIntBits(Math.abs(delta[i])) & 0x7FFF_FFFFL;
            keys[i] = ((descending ? 0x7FFF_FFFFL - bits : bits) << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }

    private static boolean[] magnitude(float[] delta, double density, String where) {
        int k = (int) (density * delta.length);
        if (k == 0) {
            throw new UserInputException(where + ": density " + density + " keeps no element of " + delta.length
                    + " (int(density * numel) = 0)");
        }
        int[] order = descendingMagnitude(delta);
        boolean[] keep = new boolean[delta.length];
        for (int i = 0; i < k; i++) {
            keep[order[i]] = true;
        }
        return keep;
    }

    private static boolean[] random(int n, double density, CounterRng random) {
        boolean[] keep = new boolean[n];
        for (int i = 0; i < n; i++) {
            keep[i] = random.uniform(i) < density;
        }
        return keep;
    }

    private static boolean[] outliers(float[] delta, double density, double gamma) {
        int numel = delta.length;
        int target = (int) (density * numel);
        int top = (int) (gamma * numel);
        int bottom = numel - target - top;
        if (bottom < 0) {
            top += bottom;
            bottom = 0;
        }
        boolean[] keep = new boolean[numel];
        if (top <= 0) {
            return keep;
        }
        int[] order = ascendingMagnitude(delta);
        for (int i = bottom; i < numel - top; i++) {
            keep[order[i]] = true;
        }
        return keep;
    }

    private static boolean[] della(float[] delta, Shape shape, double density, double epsilon, CounterRng random,
                                   String where) {
        if (!(density - epsilon > 0) || !(density + epsilon < 1)) {
            throw new UserInputException(where + ": DELLA needs 0 < density - epsilon and density + epsilon < 1, got density "
                    + density + " and epsilon " + epsilon);
        }
        long[] dims = shape.rank() == 0 ? new long[] {delta.length} : shape.toArray();
        FloatVectors.Axis axis = FloatVectors.Axis.of(dims, dims.length == 1 ? 0 : 1);
        int n = axis.length();
        if (n < 2) {
            throw new UserInputException(where + ": DELLA ranks entries within rows, but the rows of shape " + shape
                    + " have length " + n + " (probability 0/0)");
        }
        boolean[] keep = new boolean[delta.length];
        float[] row = new float[n];
        for (int v = 0; v < axis.count(); v++) {
            for (int k = 0; k < n; k++) {
                row[k] = delta[axis.index(v, k)];
            }
            int[] order = ascendingMagnitude(row);
            for (int rank = 0; rank < n; rank++) {
                int index = axis.index(v, order[rank]);
                double probability = density - epsilon + 2 * epsilon * rank / (n - 1);
                keep[index] = random.uniform(index) < probability;
            }
        }
        return keep;
    }
}

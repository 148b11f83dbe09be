package amalgam.fusion;

import static amalgam.fusion.Pools.method;
import static amalgam.fusion.Pools.model;
import static amalgam.fusion.Pools.pool;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * FusionBench TIES streamed in windows and blocks on several threads gives the bits of the whole-model formula
 * computed here in one sequential float32 pass: tensors span several blocks and windows with odd tails, and the
 * values tie a lot (differences of BF16-rounded weights), so thresholds, zero masses and the majority sign all matter.
 */
class TiesStreamingTest {
    private static final String[] NAMES = {"a.weight", "b.bias", "c.weight", "d.weight", "e.scale", "f.empty"};
    private static final int[] SIZES = {300_001, 16_385, 33, 129 * 130, 1, 0};

    private static float bf16(float x) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xFFFF_0000);
    }

    /** θ0 and three task models, tensor by tensor in sorted name order. */
    private static float[][][] weights() {
        Random random = new Random(42);
        float[][][] models = new float[4][NAMES.length][];
        for (int t = 0; t < NAMES.length; t++) {
            float[] base = new float[SIZES[t]];
            for (int i = 0; i < base.length; i++) {
                base[i] = bf16((float) random.nextGaussian() * 0.5f);
            }
            models[0][t] = base;
            for (int m = 1; m < 4; m++) {
                float[] theta = new float[base.length];
                for (int i = 0; i < theta.length; i++) {
                    theta[i] = random.nextInt(10) == 0 ? base[i] : bf16(base[i] + (float) random.nextGaussian() * 0.004f);
                }
                models[m][t] = theta;
            }
        }
        return models;
    }

    private static ModelPool poolOf(float[][][] weights) {
        List<String> names = List.of("_pretrained_", "A", "B", "C");
        return pool(java.util.stream.IntStream.range(0, 4).mapToObj(m -> {
            Object[] tensors = new Object[2 * NAMES.length];
            for (int t = 0; t < NAMES.length; t++) {
                tensors[2 * t] = NAMES[t];
                tensors[2 * t + 1] = t == 3 ? Pools.matrix(129, 130, weights[m][t]) : weights[m][t];
            }
            return model(names.get(m), tensors);
        }).toArray(amalgam.merge.ModelSource[]::new));
    }

    /** TIES (sum or max) over the flattened model, element by element, as FusionBench defines it. */
    private static Map<String, float[]> reference(float[][][] weights, double threshold, float lambda, boolean max) {
        int rows = 3;
        int d = Arrays.stream(SIZES).sum();
        float[][] tau = new float[rows][d];
        for (int r = 0; r < rows; r++) {
            int offset = 0;
            for (int t = 0; t < NAMES.length; t++) {
                for (int i = 0; i < SIZES[t]; i++) {
                    tau[r][offset + i] = weights[r + 1][t][i] - weights[0][t][i];
                }
                offset += SIZES[t];
            }
        }
        long keep = (long) Math.floor(d * (threshold > 1 ? threshold / 100 : threshold));
        float[] thresholds = new float[rows];
        for (int r = 0; r < rows; r++) {
            float[] magnitudes = new float[d];
            for (int i = 0; i < d; i++) {
                magnitudes[i] = Math.abs(tau[r][i]);
            }
            Arrays.sort(magnitudes);
            thresholds[r] = d - keep > 0 ? magnitudes[(int) (d - keep) - 1] : 0f;
        }
        float[] mass = new float[d];
        long signSum = 0;
        for (int i = 0; i < d; i++) {
            for (int r = 0; r < rows; r++) {
                mass[i] += Math.abs(tau[r][i]) >= thresholds[r] ? tau[r][i] : 0f;
            }
            signSum += (long) Math.signum(mass[i]);
        }
        float majority = Math.signum((float) signSum);
        Map<String, float[]> out = new LinkedHashMap<>();
        int offset = 0;
        for (int t = 0; t < NAMES.length; t++) {
            float[] theta = weights[0][t].clone();
            for (int i = 0; i < SIZES[t]; i++) {
                int p = offset + i;
                float sign = Math.signum(mass[p]) == 0 ? majority : Math.signum(mass[p]);
                float sum = 0;
                float maxAbs = 0;
                for (int r = 0; r < rows; r++) {
                    float x = Math.abs(tau[r][p]) >= thresholds[r] ? tau[r][p] : 0f;
                    if ((sign > 0 && x > 0) || (sign <= 0 && x < 0)) {
                        sum += x;
                        maxAbs = Math.max(maxAbs, Math.abs(x));
                    }
                }
                theta[i] += lambda * (max ? maxAbs * sign : sum);
            }
            out.put(NAMES[t], theta);
            offset += SIZES[t];
        }
        return out;
    }

    private static Map<String, float[]> run(int threads, FusionAlgorithm algorithm, ModelPool pool, long seed) {
        try (amalgam.parallel.Workers workers = new amalgam.parallel.Workers(threads)) {
            return Pools.run(algorithm.plan(pool, seed, workers.parallel()));
        }
    }

    private static void assertSameBits(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        expected.forEach((name, values) -> {
            int[] expectedBits = new int[values.length];
            int[] actualBits = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                expectedBits[i] = Float.floatToRawIntBits(values[i]);
                actualBits[i] = Float.floatToRawIntBits(actual.get(name)[i]);
            }
            assertArrayEquals(expectedBits, actualBits, what + ", tensor " + name);
        });
    }

    @Test
    void tiesOnOneAndTwoThreadsIsTheWholeModelFormula() {
        float[][][] weights = weights();
        ModelPool pool = poolOf(weights);
        for (double threshold : new double[] {20, 0.7}) {
            for (String function : new String[] {"sum", "max"}) {
                FusionAlgorithm ties = method("ties_merging", "threshold", threshold, "merge_func", function);
                Map<String, float[]> expected = reference(weights, threshold, 0.3f, function.equals("max"));
                assertSameBits(expected, run(1, ties, pool, 0), function + " at " + threshold + ", 1 thread");
                assertSameBits(expected, run(2, ties, pool, 0), function + " at " + threshold + ", 2 threads");
            }
        }
    }

    @Test
    void dareTiesAndContinualTiesAreTheSameOnOneAndTwoThreads() {
        ModelPool pool = poolOf(weights());
        for (FusionAlgorithm algorithm : List.of(method("dare/ties_merging"), method("opcm/ties_merging", "merge_func", "mean"))) {
            assertSameBits(run(1, algorithm, pool, 7), run(2, algorithm, pool, 7), algorithm.getClass().getSimpleName());
        }
    }
}

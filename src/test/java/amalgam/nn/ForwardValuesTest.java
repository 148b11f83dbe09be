package amalgam.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Forward values computed by hand (or from published constants). Float32 results are compared to 1e-6 absolute:
 * the values are O(1), so that is ~10 float32 ulps, more than the few roundings each op makes.
 */
class ForwardValuesTest {
    private static final float TOLERANCE = 1e-6f;

    private static float[] run(java.util.function.Function<Graph, Var> body) {
        try (Graph graph = Graph.inference(GradientCheck.PARALLEL)) {
            return body.apply(graph).value().toFloatArray();
        }
    }

    @Test
    void erfMatchesPublishedValues() {
        // Abramowitz and Stegun table 7.1 / high-precision values
        assertEquals(0.5204998778130465, Erf.erf(0.5), 1e-12);
        assertEquals(0.8427007929497149, Erf.erf(1.0), 1e-12);
        assertEquals(0.9953222650189527, Erf.erf(2.0), 1e-12);
        assertEquals(0.9999779095030014, Erf.erf(3.0), 1e-12);
        assertEquals(-0.1124629160182849, Erf.erf(-0.1), 1e-12);
        assertEquals(1.0, Erf.erf(7.0), 0);
        assertEquals(0.0, Erf.erf(0.0), 0);
    }

    @Test
    void geluAndQuickGelu() {
        float[] gelu = run(g -> g.gelu(g.constant(new float[] {1f, -1f, 0f, 3f}, 4)));
        assertArrayEquals(new float[] {0.8413447f, -0.1586553f, 0f, 2.9959502f}, gelu, TOLERANCE);
        // 1 * sigmoid(1.702) = 1 / (1 + e^-1.702) = 0.8457957
        float[] quick = run(g -> g.quickGelu(g.constant(new float[] {1f, -2f}, 2)));
        assertArrayEquals(new float[] {0.8457957f, (float) (-2 / (1 + Math.exp(3.404)))}, quick, TOLERANCE);
    }

    @Test
    void softmaxOfOneTwoThreeAndHugeValues() {
        // e^k / (e + e^2 + e^3) = 0.09003057, 0.24472847, 0.66524096; shifting by 1000 must not overflow
        float[] y = run(g -> g.softmax(g.constant(new float[] {1, 2, 3, 1001, 1002, 1003}, 2, 3)));
        float[] expected = {0.09003057f, 0.24472847f, 0.66524096f, 0.09003057f, 0.24472847f, 0.66524096f};
        assertArrayEquals(expected, y, TOLERANCE);
        float[] log = run(g -> g.logSoftmax(g.constant(new float[] {1, 2, 3}, 1, 3)));
        assertArrayEquals(new float[] {-2.4076059f, -1.4076059f, -0.40760596f}, log, TOLERANCE);
    }

    @Test
    void layerNormOfOneToFour() {
        // mean 2.5, biased variance 1.25, eps 0: xhat = (x - 2.5) / sqrt(1.25) = -1.3416408, -0.4472136, ...
        float[] y = run(g -> g.layerNorm(g.constant(new float[] {1, 2, 3, 4}, 1, 4),
                g.constant(new float[] {1, 1, 2, 2}, 4), g.constant(new float[] {0, 0, 0, 1}, 4), 0f));
        assertArrayEquals(new float[] {-1.3416408f, -0.4472136f, 0.8944272f, 3.6832816f}, y, 2e-6f);
    }

    @Test
    void causalAttentionAveragesVisibleValues() {
        // q = k = 0 gives equal scores, so each query averages the values it may see: row i sees keys 0..i
        float[] zeros = new float[3 * 2];
        float[] values = {1, 10, 2, 20, 6, 60};
        float[] out = run(g -> g.attention(g.constant(zeros, 1, 1, 3, 2), g.constant(zeros, 1, 1, 3, 2),
                g.constant(values, 1, 1, 3, 2), true, null));
        assertArrayEquals(new float[] {1, 10, 1.5f, 15, 3, 30}, out, TOLERANCE);
        // with key 1 padded as well: row 0 sees {0}, row 1 sees {0}, row 2 sees {0, 2}
        Tensor mask = Tensor.ofFloats(new float[] {1, 0, 1}, 1, 3);
        float[] padded = run(g -> g.attention(g.constant(zeros, 1, 1, 3, 2), g.constant(zeros, 1, 1, 3, 2),
                g.constant(values, 1, 1, 3, 2), true, mask));
        assertArrayEquals(new float[] {1, 10, 1, 10, 3.5f, 35}, padded, TOLERANCE);
    }

    @Test
    void attentionScoresUseOneOverSqrtD() {
        // one query q = (2, 0, 0, 0) (d = 4, scale 1/2) against keys e0 and 0: scores 1 and 0 -> p = (e/(1+e), 1/(1+e))
        float[] q = {2, 0, 0, 0};
        float[] k = {1, 0, 0, 0, 0, 0, 0, 0};
        float[] v = {1, 0};
        float[] out = run(g -> g.attention(g.constant(q, 1, 1, 1, 4), g.constant(k, 1, 1, 2, 4),
                g.constant(v, 1, 1, 2, 1), false, null));
        assertEquals((float) (Math.E / (1 + Math.E)), out[0], TOLERANCE);
    }

    @Test
    void crossEntropyOfUniformLogitsIsLogC() {
        float[] loss = run(g -> g.crossEntropy(g.constant(new float[8], 2, 4), new long[] {1, 3}));
        assertEquals((float) Math.log(4), loss[0], TOLERANCE);
        float[] entropy = run(g -> g.entropy(g.constant(new float[8], 2, 4)));
        assertEquals((float) (Math.log(4) - 0.25 * 4 * 0 - 4 * 0.25 * Math.log1p(4e-8)), entropy[0], TOLERANCE);
    }

    @Test
    void l2NormalizeThreeFour() {
        assertArrayEquals(new float[] {0.6f, 0.8f}, run(g -> g.l2Normalize(g.constant(new float[] {3, 4}, 1, 2))),
                TOLERANCE);
    }
}

package amalgam.model.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * SMILE's router against values derived by hand. Tolerance 1e-6 on weights in [0, 1]: float32 softmax of small logits
 * is within a few ulps (6e-8 each) of the exact value.
 */
class SmileRoutingTest {
    @Test
    void theLargerGateNormWinsAndTopOneHasWeightOne() {
        // gate_k = 1, two experts; the gate's output for x = (3, 4) with rows e1, e2 is (3, 4): logits 3 and 4
        SmileRouting.Routes routes = SmileRouting.route(new float[] {3, 4}, 1, 2, 1, 1);
        assertArrayEquals(new int[] {1}, routes.selected());
        assertEquals(1f, routes.weights()[0]); // p / p is exactly 1
        assertArrayEquals(new int[] {}, routes.tokensOf(0));
        assertArrayEquals(new int[] {0}, routes.tokensOf(1));
    }

    @Test
    void topTwoKeepsTheSoftmaxOfTheNorms() {
        // softmax(3, 4) = (1 / (1 + e), e / (1 + e)) = (0.26894142, 0.73105858), best first
        SmileRouting.Routes routes = SmileRouting.route(new float[] {3, 4}, 1, 2, 1, 2);
        assertArrayEquals(new int[] {1, 0}, routes.selected());
        assertEquals(0.73105858, routes.weights()[0], 1e-6);
        assertEquals(0.26894142, routes.weights()[1], 1e-6);
    }

    @Test
    void logitsAreNormsOverEachExpertsGateRows() {
        // gate_k = 2: expert 0 sees (3, 4) -> norm 5, expert 1 sees (0, 3) -> norm 3; softmax(5, 3)_0 = 1 / (1 + e^-2)
        SmileRouting.Routes routes = SmileRouting.route(new float[] {3, 4, 0, 3}, 1, 2, 2, 2);
        assertArrayEquals(new int[] {0, 1}, routes.selected());
        assertEquals(0.88079708, routes.weights()[0], 1e-6);
        assertEquals(0.11920292, routes.weights()[1], 1e-6);
    }

    @Test
    void topKRenormalisesTheKeptWeightsAndTiesGoToTheLowerExpert() {
        // three experts with norms 1, 1, 0 per token: top 2 keeps experts 0 and 1 with 1/2 each
        SmileRouting.Routes routes = SmileRouting.route(new float[] {1, 1, 0, 0, 0, 2}, 2, 3, 1, 2);
        assertArrayEquals(new int[] {0, 1, 2, 0}, routes.selected());
        assertEquals(0.5f, routes.weights()[0], 1e-7);
        assertEquals(0.5f, routes.weights()[1], 1e-7);
        // token 1: norms (0, 0, 2): softmax (1, 1, e^2) / (2 + e^2) -> top 2 = expert 2, then expert 0 (tie with 1)
        double p2 = Math.exp(2) / (2 + Math.exp(2));
        double p0 = 1 / (2 + Math.exp(2));
        assertEquals(p2 / (p2 + p0), routes.weights()[2], 1e-6);
        assertEquals(p0 / (p2 + p0), routes.weights()[3], 1e-6);
        assertArrayEquals(new int[] {0, 1}, routes.tokensOf(0));
        assertArrayEquals(new int[] {0}, routes.tokensOf(1));
        assertArrayEquals(new int[] {1}, routes.tokensOf(2));
    }
}

package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.fusion.method.DogeTa;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DOGE-TA by hand on one selected key, θ0 = 0, τ = [[3,−4],[1,2]] (‖τ‖ = √30, λ = 0.07/√30 < 1). With one task the
 * loss gradient at Δ = 0 is −2λ(1−λ)·(row sum of τ²)·τ, so Adam's first step moves Δ by +lr·sign(τ) — unless the
 * shared subspace covers everything (subspace = 1 keeps all r directions, the projected gradient is 0, Δ stays 0).
 */
class DogeTaTest {
    private static ModelPool pool() {
        return Pools.pool(
                Pools.model("_pretrained_", "vision_model.encoder.layers.0.mlp.fc1.weight", Pools.matrix(2, 2, 0, 0, 0, 0),
                        "vision_model.encoder.layers.0.mlp.fc1.bias", Pools.vector(1, 1)),
                Pools.model("task", "vision_model.encoder.layers.0.mlp.fc1.weight", Pools.matrix(2, 2, 3, -4, 1, 2),
                        "vision_model.encoder.layers.0.mlp.fc1.bias", Pools.vector(5, 5)));
    }

    private static final float LAMBDA = (float) (0.07 / Math.sqrt(30));

    @Test
    void oneStepOutsideTheSubspaceMovesDeltaBySignTau() {
        Map<String, float[]> out = Pools.run(new DogeTa(3, 100, 0.07, 1), pool(), 0);
        float lr = 1e-4f;
        assertArrayEquals(new float[] {LAMBDA * (3 + lr), LAMBDA * (-4 - lr), LAMBDA * (1 + lr), LAMBDA * (2 + lr)},
                out.get("vision_model.encoder.layers.0.mlp.fc1.weight"), 1e-8f);
        assertArrayEquals(new float[] {1, 1}, out.get("vision_model.encoder.layers.0.mlp.fc1.bias"), 0f, "unselected keys keep θ0");
    }

    /**
     * With every direction shared the projected gradient is zero up to float32 round-off; Adam normalises even that
     * residue, so Δ may still move by at most about lr per step: the tolerance is λ·steps·lr. The mask (K = 50: d = 4,
     * keep 2, threshold = 2nd smallest |τ| = 2) zeroes the entry 1 exactly.
     */
    @Test
    void aFullSharedSubspaceFreezesDeltaAndTheMaskKeepsTheTopHalf() {
        Map<String, float[]> out = Pools.run(new DogeTa(1, 50, 0.07, 5), pool(), 0);
        float[] weight = out.get("vision_model.encoder.layers.0.mlp.fc1.weight");
        assertArrayEquals(new float[] {LAMBDA * 3, LAMBDA * -4, 0, LAMBDA * 2}, weight, LAMBDA * 5 * 1e-4f + 1e-7f);
        assertEquals(0f, weight[2]);
        assertEquals("doge_ta/doge_ta", MethodRegistry.resolve("doge_ta").configName());
    }
}

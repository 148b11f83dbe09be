package amalgam.fusion.method;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which tensors average_experts averages: FusionBench averages the vision model's leaf modules that are not linears;
 * a linear is upscaled or, when no task changed its weight, kept whole as θ0's (its bias too), never averaged.
 */
class SmileAveragedTensorsTest {
    @Test
    void leavesAreAveragedLinearsAndTheClassEmbeddingAreNot() {
        assertTrue(SmileUpscaling.averaged("vision_model.encoder.layers.0.layer_norm1.weight"));
        assertTrue(SmileUpscaling.averaged("vision_model.embeddings.patch_embedding.weight"));
        assertTrue(SmileUpscaling.averaged("vision_model.post_layernorm.bias"));
        assertFalse(SmileUpscaling.averaged("vision_model.encoder.layers.2.mlp.fc1.bias"));
        assertFalse(SmileUpscaling.averaged("vision_model.encoder.layers.0.self_attn.out_proj.weight"));
        assertFalse(SmileUpscaling.averaged("vision_model.embeddings.class_embedding"));
        assertFalse(SmileUpscaling.averaged("visual_projection.weight"));
    }
}

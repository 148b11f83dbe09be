package amalgam.nn;

/**
 * Observes the input of every linear map of a model as its forward runs (RegMean's statistics): called with the
 * layer's name ({@code vision_model.encoder.layers.3.mlp.fc1}, {@code transformer.h.0.attn.c_attn}) and its input
 * [B, L, in] before the product. Layers fed the same input (CLIP's q, k and v) receive the same {@link Var}. An
 * evaluation forward passes none and pays nothing for it.
 */
@FunctionalInterface
public interface LinearInputs {
    void observe(String linear, Var input);
}

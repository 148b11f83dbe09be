package amalgam.model.lm;

import amalgam.UserInputException;

/**
 * GPT-2's config ({@code GPT2Config}) with its defaults for absent keys.
 *
 * @param innerSize             the MLP width ({@code n_inner}, else 4 n_embd)
 * @param maxPositions          {@code n_positions}: rows of the learned position table
 * @param scaleAttentionWeights divide scores by sqrt(head dim) ({@code scale_attn_weights})
 * @param scaleByInverseLayer   also divide by layer index + 1 ({@code scale_attn_by_inverse_layer_idx})
 * @param labels                the classifier's outputs ({@code num_labels}, else the size of {@code id2label}, else 2);
 *                              unused by the LM head
 */
public record Gpt2Config(LmArchitecture architecture, int vocabSize, int hiddenSize, int layers, int heads, int innerSize,
                         int maxPositions, float layerNormEps, Activation activation, boolean scaleAttentionWeights,
                         boolean scaleByInverseLayer, boolean tieWordEmbeddings, int labels) implements LmConfig {

    public int headDimension() {
        return hiddenSize / heads;
    }

    @Override
    public int outputs() {
        return architecture.classifies() ? labels : vocabSize;
    }

    static Gpt2Config parse(ConfigJson c, LmArchitecture architecture) {
        int hidden = c.positiveInteger("n_embd", 768);
        int heads = c.positiveInteger("n_head", 12);
        if (hidden % heads != 0) {
            throw new UserInputException(c.where() + ": 'n_embd' " + hidden + " is not divisible by 'n_head' " + heads);
        }
        int labels = c.has("num_labels") ? c.positiveInteger("num_labels", 2)
                : c.has("id2label") ? c.node().get("id2label").size() : 2;
        if (labels <= 0) {
            throw new UserInputException(c.where() + ": 'id2label' is empty");
        }
        return new Gpt2Config(architecture, c.positiveInteger("vocab_size", 50257), hidden, c.positiveInteger("n_layer", 12),
                heads, c.positiveInteger("n_inner", 4 * hidden), c.positiveInteger("n_positions", 1024),
                (float) c.positiveNumber("layer_norm_epsilon", 1e-5),
                Activation.named(c.text("activation_function", "gelu_new"), c.where(), "activation_function"),
                c.bool("scale_attn_weights", true), c.bool("scale_attn_by_inverse_layer_idx", false),
                c.bool("tie_word_embeddings", true), labels);
    }
}

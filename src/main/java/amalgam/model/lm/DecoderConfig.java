package amalgam.model.lm;

import amalgam.UserInputException;

/**
 * The Llama family's config ({@code LlamaConfig}, {@code MistralConfig}, {@code Qwen2Config}) with each class's
 * defaults for absent keys.
 *
 * @param intermediateSize   the gated MLP's width
 * @param kvHeads            {@code num_key_value_heads}: key/value heads, dividing {@code heads} (grouped-query)
 * @param headDimension      {@code head_dim} when given, else hidden_size / heads
 * @param queryKeyValueBias  biases on q_proj, k_proj, v_proj (Llama's attention_bias; always for Qwen2)
 * @param outputBias         a bias on o_proj (Llama's attention_bias)
 * @param mlpBias            biases on gate_proj, up_proj, down_proj (Llama's mlp_bias)
 * @param slidingWindow      keys a query sees in a windowed layer, or 0 for full causal attention everywhere
 * @param firstWindowedLayer the first layer with the window (Qwen2's max_window_layers; 0 for Mistral)
 */
public record DecoderConfig(LmArchitecture architecture, int vocabSize, int hiddenSize, int intermediateSize, int layers,
                            int heads, int kvHeads, int headDimension, float rmsNormEps, Activation activation,
                            RotaryEmbedding rope, boolean queryKeyValueBias, boolean outputBias, boolean mlpBias,
                            boolean tieWordEmbeddings, int slidingWindow, int firstWindowedLayer) implements LmConfig {

    /** The sliding window of {@code layer}, or 0 when it attends to every earlier position. */
    public int window(int layer) {
        return layer >= firstWindowedLayer ? slidingWindow : 0;
    }

    @Override
    public int maxPositions() {
        return Integer.MAX_VALUE; // rotary positions extend to any length
    }

    @Override
    public int outputs() {
        return vocabSize;
    }

    static DecoderConfig parse(ConfigJson c, LmArchitecture architecture) {
        int hidden = c.positiveInteger("hidden_size", 4096);
        int heads = c.positiveInteger("num_attention_heads", 32);
        int kvHeads = c.positiveInteger("num_key_value_heads", switch (architecture) {
            case MISTRAL -> 8;
            default -> heads;
        });
        int headDimension = c.has("head_dim") ? c.positiveInteger("head_dim", 0) : hidden / heads;
        int layers = c.positiveInteger("num_hidden_layers", 32);
        int vocab = c.positiveInteger("vocab_size", architecture == LmArchitecture.QWEN2 ? 151936 : 32000);
        int intermediate = c.positiveInteger("intermediate_size", switch (architecture) {
            case MISTRAL -> 14336;
            case QWEN2 -> 22016;
            default -> 11008;
        });
        if (heads % kvHeads != 0) {
            throw new UserInputException(c.where() + ": 'num_attention_heads' " + heads
                    + " is not a multiple of 'num_key_value_heads' " + kvHeads);
        }
        if (!c.has("head_dim") && hidden % heads != 0) {
            throw new UserInputException(c.where() + ": 'hidden_size' " + hidden + " is not divisible by 'num_attention_heads' "
                    + heads + " and no 'head_dim' is given");
        }
        if (headDimension % 2 != 0) {
            throw new UserInputException(c.where() + ": the head dimension " + headDimension
                    + " is odd; rotary embeddings need an even one");
        }
        boolean llama = architecture == LmArchitecture.LLAMA;
        boolean attentionBias = llama && c.bool("attention_bias", false);
        int window = 0;
        int firstWindowed = 0;
        switch (architecture) {
            case MISTRAL -> window = slidingWindow(c);
            case QWEN2 -> {
                if (c.bool("use_sliding_window", false)) {
                    window = slidingWindow(c);
                    firstWindowed = c.nonNegativeInteger("max_window_layers", 28);
                }
            }
            default -> {
            }
        }
        return new DecoderConfig(architecture, vocab, hidden, intermediate, layers, heads, kvHeads, headDimension,
                (float) c.positiveNumber("rms_norm_eps", 1e-6), Activation.named(c.text("hidden_act", "silu"), c.where(), "hidden_act"),
                RotaryEmbedding.read(c), attentionBias || architecture == LmArchitecture.QWEN2, attentionBias,
                llama && c.bool("mlp_bias", false), c.bool("tie_word_embeddings", false), window, firstWindowed);
    }

    /** {@code sliding_window}: 4096 when absent (the config classes' default), none when null. */
    private static int slidingWindow(ConfigJson c) {
        if (c.node().has("sliding_window") && c.node().get("sliding_window").isNull()) {
            return 0;
        }
        return c.positiveInteger("sliding_window", 4096);
    }

    /** A one-line summary for messages. */
    @Override
    public String toString() {
        return architecture.className() + "[" + layers + " layers, hidden " + hiddenSize + ", heads " + heads + "/" + kvHeads
                + " x " + headDimension + ", vocab " + vocabSize + "]";
    }
}

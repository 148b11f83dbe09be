package amalgam.model.clip;

import amalgam.nn.Graph;
import amalgam.nn.LinearInputs;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP's two towers as functional models, following Hugging Face {@code CLIPModel}: {@code forward(graph, params,
 * inputs)} reads every weight through {@link Parameters} by its Hugging Face key, so a pool member, a merged model
 * or a λ-parameterised model runs without copying weights.
 */
public final class ClipModel {
    /** Tower outputs: {@code lastHidden} [B, L, D] and {@code pooled} [B, D]. */
    public record TowerOutput(Var lastHidden, Var pooled) {
    }

    /**
     * How the encoders' {@code nn.Linear} layers compute, given the Linear's name ({@code
     * vision_model.encoder.layers.3.mlp.fc1}) and its input [..., in]: plainly x Wᵀ + b from {@code NAME.weight} and
     * {@code NAME.bias}, or as a mixture of experts (SMILE) that routes every token.
     */
    @FunctionalInterface
    public interface Linears {
        Var apply(Graph graph, Parameters params, String linear, Var x);

        /** x Wᵀ + b. */
        Linears PLAIN = (graph, params, linear, x) -> graph.linear(x, params.get(graph, linear + ".weight"),
                params.get(graph, linear + ".bias"));
    }

    /**
     * How the vision encoder's MLP blocks (fc1, activation, fc2) compute, given the layer index and the block's input
     * (the layer_norm2 output) [B, L, D]: plainly through {@link Linears}, or as a mixture that merges the block's
     * weights from routing over its input (WEMoE, RankOne-MoE).
     */
    public interface Mlps {
        /** The plain block: fc2(act(fc1(x))) through the model's {@link Linears}. */
        Mlps PLAIN = (graph, params, layer, x) -> {
            throw new IllegalStateException("the plain MLP is computed by the model itself");
        };

        Var apply(Graph graph, Parameters params, int layer, Var x);

        /**
         * Whether an image's output depends on the other images of its batch (routing averaged over the batch): the
         * evaluation forward must then run each batch as a whole.
         */
        default boolean couplesBatch() {
            return false;
        }
    }

    private final ClipConfig config;
    private final Linears linears;
    private final Mlps mlps;

    public ClipModel(ClipConfig config) {
        this(config, Linears.PLAIN);
    }

    /** A model whose encoder Linears compute as {@code linears} says (a mixture of experts). */
    public ClipModel(ClipConfig config, Linears linears) {
        this(config, linears, Mlps.PLAIN);
    }

    /** A model whose vision MLP blocks compute as {@code mlps} says, and its other encoder Linears as {@code linears}. */
    public ClipModel(ClipConfig config, Linears linears, Mlps mlps) {
        this.config = config;
        this.linears = linears;
        this.mlps = mlps;
    }

    /** Whether an image's embedding depends on the other images of its batch ({@link Mlps#couplesBatch}). */
    public boolean couplesBatch() {
        return mlps.couplesBatch();
    }

    /** The tower's MLP activation on x (GELU or quick GELU, as the config says). */
    public static Var activation(Graph graph, ClipConfig.Tower tower, Var x) {
        return tower.activation() == ClipConfig.Activation.GELU ? graph.gelu(x) : graph.quickGelu(x);
    }

    public ClipConfig config() {
        return config;
    }

    /**
     * Vision tower on pixel values [B, C, H, W]: patch embedding, class token and position embeddings, pre-LN,
     * the encoder; lastHidden is the encoder output (before post_layernorm), pooled = post_layernorm(CLS token).
     */
    public TowerOutput vision(Graph graph, Parameters params, Var pixels) {
        return vision(graph, params, pixels, null);
    }

    /** As {@link #vision(Graph, Parameters, Var)}, showing every encoder Linear's input to {@code observer} (may be null). */
    public TowerOutput vision(Graph graph, Parameters params, Var pixels, LinearInputs observer) {
        Var hidden = visionEmbeddings(graph, params, pixels);
        for (int layer = 0; layer < config.vision().layers(); layer++) {
            int index = layer;
            hidden = graph.block(hidden, input -> visionLayer(graph, params, index, input, observer));
        }
        return new TowerOutput(hidden, visionPooled(graph, params, hidden));
    }

    /** The tokens entering the vision encoder: pre_layrnorm(class token ++ patch embeddings + positions) [B, L, D]. */
    public Var visionEmbeddings(Graph graph, Parameters params, Var pixels) {
        ClipConfig.Tower tower = config.vision();
        String p = ClipKeys.VISION;
        long batch = pixels.shape().dim(0);
        int width = tower.hiddenSize();
        Var patches = graph.patchEmbedding(pixels, params.get(graph, p + "embeddings.patch_embedding.weight"), null);
        Var classToken = graph.reshape(params.get(graph, p + "embeddings.class_embedding"), 1, 1, width);
        Var classTokens = graph.add(graph.constant(new float[(int) batch * width], batch, 1, width), classToken);
        Var tokens = graph.concat(List.of(classTokens, patches), 1);
        Var hidden = graph.add(tokens, params.get(graph, p + "embeddings.position_embedding.weight"));
        return layerNorm(graph, params, p + "pre_layrnorm", hidden, tower);
    }

    /** Vision encoder layer {@code layer} on hidden states [B, L, D]; {@code observer} (may be null) sees its Linears' inputs. */
    public Var visionLayer(Graph graph, Parameters params, int layer, Var hidden, LinearInputs observer) {
        return encoderLayer(graph, params, visionLayerPrefix(layer), config.vision(), hidden, false, null, observer,
                mlps == Mlps.PLAIN ? null : layer);
    }

    /** The key prefix of vision encoder layer {@code layer} ({@code vision_model.encoder.layers.3.}). */
    public static String visionLayerPrefix(int layer) {
        return ClipKeys.VISION + "encoder.layers." + layer + ".";
    }

    /** post_layernorm of the class token of the encoder output [B, L, D] -> [B, D]. */
    public Var visionPooled(Graph graph, Parameters params, Var lastHidden) {
        long batch = lastHidden.shape().dim(0);
        int width = config.vision().hiddenSize();
        Var cls = graph.reshape(graph.slice(lastHidden, 1, 0, 1), batch, width);
        return layerNorm(graph, params, ClipKeys.VISION + "post_layernorm", cls, config.vision());
    }

    /**
     * Text tower on token ids [N, L] with attention mask [N, L] (0 = padding): causal and padding masks,
     * final_layer_norm; pooled is the hidden state at the end-of-text position (see {@link #poolingIndex}).
     */
    public TowerOutput text(Graph graph, Parameters params, Tensor inputIds, Tensor attentionMask) {
        ClipConfig.Tower tower = config.text();
        String p = ClipKeys.TEXT;
        long rows = inputIds.shape().dim(0);
        long length = inputIds.shape().dim(1);
        Var tokens = graph.embedding(params.get(graph, p + "embeddings.token_embedding.weight"), inputIds);
        Var positions = graph.slice(params.get(graph, p + "embeddings.position_embedding.weight"), 0, 0, length);
        Var hidden = encoder(graph, params, p, tower, graph.add(tokens, positions), true, attentionMask);
        hidden = layerNorm(graph, params, p + "final_layer_norm", hidden, tower);
        List<Var> pooled = new ArrayList<>();
        for (long row = 0; row < rows; row++) {
            long index = poolingIndex(inputIds, row, tower.eosTokenId());
            pooled.add(graph.reshape(graph.slice(graph.slice(hidden, 0, row, row + 1), 1, index, index + 1), 1, tower.hiddenSize()));
        }
        return new TowerOutput(hidden, graph.concat(pooled, 0));
    }

    /** visual_projection(pooled) [B, P] (not normalized). */
    public Var imageEmbeds(Graph graph, Parameters params, Var pooled) {
        return graph.linear(pooled, params.get(graph, "visual_projection.weight"), null);
    }

    /** text_projection(pooled) [N, P] (not normalized). */
    public Var textEmbeds(Graph graph, Parameters params, Var pooled) {
        return graph.linear(pooled, params.get(graph, "text_projection.weight"), null);
    }

    /** exp(logit_scale) · normalize(image) · normalize(text)ᵀ [B, N]. */
    public Var logitsPerImage(Graph graph, Parameters params, Var imageEmbeds, Var textEmbeds) {
        float scale = (float) Math.exp(params.get(graph, "logit_scale").item());
        Var similarity = graph.matmul(graph.l2Normalize(imageEmbeds), graph.transpose(graph.l2Normalize(textEmbeds), 0, 1));
        return graph.scale(similarity, scale);
    }

    /**
     * The pooled position of a row, as Hugging Face decides it: with the legacy {@code eos_token_id == 2}, the first
     * occurrence of the largest id; otherwise the first position holding {@code eos_token_id} (0 if none).
     */
    public static long poolingIndex(Tensor inputIds, long row, long eosTokenId) {
        long length = inputIds.shape().dim(1);
        long best = 0;
        for (long i = 0; i < length; i++) {
            long id = (long) inputIds.getFloat(row * length + i);
            if (eosTokenId == 2) {
                if (id > (long) inputIds.getFloat(row * length + best)) {
                    best = i;
                }
            } else if (id == eosTokenId) {
                return i;
            }
        }
        return eosTokenId == 2 ? best : 0;
    }

    private Var encoder(Graph graph, Parameters params, String tower, ClipConfig.Tower config, Var hidden, boolean causal,
                        Tensor keyMask) {
        for (int layer = 0; layer < config.layers(); layer++) {
            String prefix = tower + "encoder.layers." + layer + ".";
            hidden = graph.block(hidden, input -> encoderLayer(graph, params, prefix, config, input, causal, keyMask, null, null));
        }
        return hidden;
    }

    /**
     * One pre-LN layer: h += attention(layer_norm1(h)); h += fc2(act(fc1(layer_norm2(h)))), the MLP block computed by
     * {@link #mlps} when {@code mixtureLayer} is given (a vision layer of a mixture model).
     */
    private Var encoderLayer(Graph graph, Parameters params, String prefix, ClipConfig.Tower config, Var hidden, boolean causal,
                             Tensor keyMask, LinearInputs observer, Integer mixtureLayer) {
        Var normed = layerNorm(graph, params, prefix + "layer_norm1", hidden, config);
        hidden = graph.add(hidden, selfAttention(graph, params, prefix + "self_attn.", config, normed, causal, keyMask, observer));
        normed = layerNorm(graph, params, prefix + "layer_norm2", hidden, config);
        if (mixtureLayer != null) {
            return graph.add(hidden, mlps.apply(graph, params, mixtureLayer, normed));
        }
        Var up = linear(graph, params, prefix + "mlp.fc1", normed, observer);
        return graph.add(hidden, linear(graph, params, prefix + "mlp.fc2", activation(graph, config, up), observer));
    }

    private Var selfAttention(Graph graph, Parameters params, String prefix, ClipConfig.Tower config, Var x, boolean causal,
                              Tensor keyMask, LinearInputs observer) {
        long batch = x.shape().dim(0);
        long length = x.shape().dim(1);
        Var q = heads(graph, linear(graph, params, prefix + "q_proj", x, observer), batch, length, config);
        Var k = heads(graph, linear(graph, params, prefix + "k_proj", x, observer), batch, length, config);
        Var v = heads(graph, linear(graph, params, prefix + "v_proj", x, observer), batch, length, config);
        Var attended = graph.attention(q, k, v, causal, keyMask);
        Var merged = graph.reshape(graph.transpose(attended, 1, 2), batch, length, config.hiddenSize());
        return linear(graph, params, prefix + "out_proj", merged, observer);
    }

    /** [B, L, D] -> [B, H, L, d]. */
    private static Var heads(Graph graph, Var x, long batch, long length, ClipConfig.Tower config) {
        return graph.transpose(graph.reshape(x, batch, length, config.heads(), config.headDimension()), 1, 2);
    }

    private Var linear(Graph graph, Parameters params, String name, Var x, LinearInputs observer) {
        if (observer != null) {
            observer.observe(name, x);
        }
        return linears.apply(graph, params, name, x);
    }

    private static Var layerNorm(Graph graph, Parameters params, String name, Var x, ClipConfig.Tower config) {
        return graph.layerNorm(x, params.get(graph, name + ".weight"), params.get(graph, name + ".bias"), config.layerNormEps());
    }
}

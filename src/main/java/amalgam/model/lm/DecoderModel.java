package amalgam.model.lm;

import amalgam.nn.AttentionMask;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Llama-family decoder (transformers' {@code LlamaForCausalLM}, {@code MistralForCausalLM},
 * {@code Qwen2ForCausalLM}; Touvron et al. 2023), pre-norm:
 * <pre>
 *   h = embed_tokens[ids]
 *   per layer:  x = input_layernorm(h);           h += o_proj(attention(rope(q_proj(x)), rope(k_proj(x)), v_proj(x)))
 *               x = post_attention_layernorm(h);  h += down_proj(act(gate_proj(x)) * up_proj(x))
 *   last_hidden_state = norm(h);  logits = last_hidden_state lm_head^T  (embed_tokens when tied)
 * </pre>
 * Attention is causal with the padding mask, grouped-query when num_key_value_heads < num_attention_heads, windowed
 * in the layers {@link DecoderConfig#window} names, scaled by head_dim^-1/2.
 */
public final class DecoderModel implements LanguageModel {
    private static final String BODY = "model.";
    private final DecoderConfig config;

    public DecoderModel(DecoderConfig config) {
        this.config = config;
    }

    @Override
    public DecoderConfig config() {
        return config;
    }

    @Override
    public String bodyPrefix() {
        return BODY;
    }

    @Override
    public Map<String, Shape> weightShapes() {
        int hidden = config.hiddenSize();
        int queries = config.heads() * config.headDimension();
        int keys = config.kvHeads() * config.headDimension();
        int inner = config.intermediateSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(BODY + "embed_tokens.weight", Shape.of(config.vocabSize(), hidden));
        for (int layer = 0; layer < config.layers(); layer++) {
            String p = layerPrefix(layer);
            shapes.put(p + "input_layernorm.weight", Shape.of(hidden));
            linear(shapes, p + "self_attn.q_proj", queries, hidden, config.queryKeyValueBias());
            linear(shapes, p + "self_attn.k_proj", keys, hidden, config.queryKeyValueBias());
            linear(shapes, p + "self_attn.v_proj", keys, hidden, config.queryKeyValueBias());
            linear(shapes, p + "self_attn.o_proj", hidden, queries, config.outputBias());
            shapes.put(p + "post_attention_layernorm.weight", Shape.of(hidden));
            linear(shapes, p + "mlp.gate_proj", inner, hidden, config.mlpBias());
            linear(shapes, p + "mlp.up_proj", inner, hidden, config.mlpBias());
            linear(shapes, p + "mlp.down_proj", hidden, inner, config.mlpBias());
        }
        shapes.put(BODY + "norm.weight", Shape.of(hidden));
        if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", Shape.of(config.vocabSize(), hidden));
        }
        return shapes;
    }

    private static void linear(Map<String, Shape> shapes, String name, int out, int in, boolean bias) {
        shapes.put(name + ".weight", Shape.of(out, in));
        if (bias) {
            shapes.put(name + ".bias", Shape.of(out));
        }
    }

    private static String layerPrefix(int layer) {
        return BODY + "layers." + layer + ".";
    }

    @Override
    public LmOutput forward(Graph graph, Parameters params, LmBatch batch) {
        return run(graph, params, batch.inputIds(), batch.attentionMask(), null);
    }

    @Override
    public LmOutput forward(Graph graph, Parameters params, Tensor newIds, KvCache cache) {
        return run(graph, params, newIds, null, cache);
    }

    /** Positions cache.length().. when a cache is given (which then holds the new keys and values too), else 0.. . */
    private LmOutput run(Graph graph, Parameters params, Tensor ids, Tensor keyMask, KvCache cache) {
        int length = Math.toIntExact(ids.shape().dim(1));
        int offset = cache == null ? 0 : cache.length();
        int dimension = config.headDimension();
        RotaryEmbedding.Tables tables = config.rope().tables(offset + length, dimension);
        Tensor cos = graph.constant(Arrays.copyOfRange(tables.cos(), offset * dimension, (offset + length) * dimension), length,
                dimension).value();
        Tensor sin = graph.constant(Arrays.copyOfRange(tables.sin(), offset * dimension, (offset + length) * dimension), length,
                dimension).value();
        Var hidden = graph.embedding(params.get(graph, BODY + "embed_tokens.weight"), ids);
        for (int layer = 0; layer < config.layers(); layer++) {
            int index = layer;
            AttentionMask mask = new AttentionMask(true, keyMask, config.window(layer));
            hidden = graph.block(hidden, input -> layer(graph, params, index, input, mask, cos, sin, cache));
        }
        if (cache != null) {
            cache.advance(length);
        }
        Var last = graph.rmsNorm(hidden, params.get(graph, BODY + "norm.weight"), config.rmsNormEps());
        String head = config.tieWordEmbeddings() ? BODY + "embed_tokens.weight" : "lm_head.weight";
        return new LmOutput(graph.linear(last, params.get(graph, head), null), last);
    }

    @Override
    public KvCache newCache(int capacity) {
        return new KvCache(config.layers(), capacity, config.kvHeads(), config.headDimension());
    }

    private Var layer(Graph graph, Parameters params, int layer, Var hidden, AttentionMask mask, Tensor cos, Tensor sin, KvCache cache) {
        String prefix = layerPrefix(layer);
        Var normed = graph.rmsNorm(hidden, params.get(graph, prefix + "input_layernorm.weight"), config.rmsNormEps());
        hidden = graph.add(hidden, attention(graph, params, layer, normed, mask, cos, sin, cache));
        normed = graph.rmsNorm(hidden, params.get(graph, prefix + "post_attention_layernorm.weight"), config.rmsNormEps());
        Var gate = config.activation().apply(graph, linear(graph, params, prefix + "mlp.gate_proj", normed, config.mlpBias()));
        Var up = linear(graph, params, prefix + "mlp.up_proj", normed, config.mlpBias());
        return graph.add(hidden, linear(graph, params, prefix + "mlp.down_proj", graph.multiply(gate, up), config.mlpBias()));
    }

    private Var attention(Graph graph, Parameters params, int layer, Var x, AttentionMask mask, Tensor cos, Tensor sin, KvCache cache) {
        String prefix = layerPrefix(layer) + "self_attn.";
        long batch = x.shape().dim(0);
        long length = x.shape().dim(1);
        boolean bias = config.queryKeyValueBias();
        Var q = graph.rotary(heads(graph, linear(graph, params, prefix + "q_proj", x, bias), config.heads()), cos, sin);
        Var k = graph.rotary(heads(graph, linear(graph, params, prefix + "k_proj", x, bias), config.kvHeads()), cos, sin);
        Var v = heads(graph, linear(graph, params, prefix + "v_proj", x, bias), config.kvHeads());
        if (cache != null) {
            k = cache.keys(graph, layer, k);
            v = cache.values(graph, layer, v);
        }
        float scale = (float) Math.pow(config.headDimension(), -0.5);
        Var attended = graph.attention(q, k, v, mask, scale); // [B, H, L, d]
        Var merged = graph.reshape(graph.transpose(attended, 1, 2), batch, length, (long) config.heads() * config.headDimension());
        return linear(graph, params, prefix + "o_proj", merged, config.outputBias());
    }

    /** [B, L, heads d] -> [B, heads, L, d]. */
    private Var heads(Graph graph, Var x, int heads) {
        long batch = x.shape().dim(0);
        long length = x.shape().dim(1);
        return graph.transpose(graph.reshape(x, batch, length, heads, config.headDimension()), 1, 2);
    }

    private static Var linear(Graph graph, Parameters params, String name, Var x, boolean bias) {
        return graph.linear(x, params.get(graph, name + ".weight"), bias ? params.get(graph, name + ".bias") : null);
    }
}

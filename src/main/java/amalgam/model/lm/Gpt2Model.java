package amalgam.model.lm;

import amalgam.nn.AttentionMask;
import amalgam.nn.Graph;
import amalgam.nn.LinearInputs;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT-2 (Radford et al. 2019; transformers' {@code GPT2LMHeadModel} and {@code GPT2ForSequenceClassification}),
 * pre-norm with learned positions:
 * <pre>
 *   h = wte[ids] + wpe[0..L-1]
 *   per layer:  h += c_proj(attention(split(c_attn(ln_1(h)))))
 *               h += mlp.c_proj(act(c_fc(ln_2(h))))
 *   last_hidden_state = ln_f(h)
 *   LM head:    logits = last_hidden_state wte^T (tied; lm_head when untied)                        [B, L, V]
 *   classifier: logits = (last_hidden_state score^T)[b, last real position of row b]                 [B, num_labels]
 * </pre>
 * c_attn, c_proj, c_fc are {@code Conv1D}: weight [in, out], y = x W + b. The legacy {@code attn.bias} and
 * {@code attn.masked_bias} buffers old checkpoints carry are not read: the causal mask is built from the positions.
 */
public final class Gpt2Model implements LanguageModel {
    private static final String BODY = "transformer.";
    private final Gpt2Config config;

    public Gpt2Model(Gpt2Config config) {
        this.config = config;
    }

    @Override
    public Gpt2Config config() {
        return config;
    }

    @Override
    public String bodyPrefix() {
        return BODY;
    }

    @Override
    public Map<String, Shape> weightShapes() {
        int hidden = config.hiddenSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(BODY + "wte.weight", Shape.of(config.vocabSize(), hidden));
        shapes.put(BODY + "wpe.weight", Shape.of(config.maxPositions(), hidden));
        for (int layer = 0; layer < config.layers(); layer++) {
            String p = layerPrefix(layer);
            layerNorm(shapes, p + "ln_1", hidden);
            conv1d(shapes, p + "attn.c_attn", hidden, 3 * hidden);
            conv1d(shapes, p + "attn.c_proj", hidden, hidden);
            layerNorm(shapes, p + "ln_2", hidden);
            conv1d(shapes, p + "mlp.c_fc", hidden, config.innerSize());
            conv1d(shapes, p + "mlp.c_proj", config.innerSize(), hidden);
        }
        layerNorm(shapes, BODY + "ln_f", hidden);
        if (config.architecture().classifies()) {
            shapes.put("score.weight", Shape.of(config.labels(), hidden));
        } else if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", Shape.of(config.vocabSize(), hidden));
        }
        return shapes;
    }

    private static void layerNorm(Map<String, Shape> shapes, String name, int width) {
        shapes.put(name + ".weight", Shape.of(width));
        shapes.put(name + ".bias", Shape.of(width));
    }

    private static void conv1d(Map<String, Shape> shapes, String name, int in, int out) {
        shapes.put(name + ".weight", Shape.of(in, out));
        shapes.put(name + ".bias", Shape.of(out));
    }

    private static String layerPrefix(int layer) {
        return BODY + "h." + layer + ".";
    }

    @Override
    public LmOutput forward(Graph graph, Parameters params, LmBatch batch) {
        return forward(graph, params, batch, null);
    }

    /** As {@link #forward(Graph, Parameters, LmBatch)}, showing every Conv1D's input to {@code observer} (may be null). */
    public LmOutput forward(Graph graph, Parameters params, LmBatch batch, LinearInputs observer) {
        Var last = body(graph, params, batch.inputIds(), batch.attentionMask(), null, observer);
        if (config.architecture().classifies()) {
            return new LmOutput(pooledScores(graph, params, batch, last), last);
        }
        return new LmOutput(languageModelHead(graph, params, last), last);
    }

    @Override
    public LmOutput forward(Graph graph, Parameters params, Tensor newIds, KvCache cache) {
        if (config.architecture().classifies()) {
            throw new IllegalStateException("a sequence classifier has no use for a key-value cache");
        }
        Var last = body(graph, params, newIds, null, cache, null);
        return new LmOutput(languageModelHead(graph, params, last), last);
    }

    @Override
    public KvCache newCache(int capacity) {
        return new KvCache(config.layers(), capacity, config.heads(), config.headDimension());
    }

    /** last_hidden_state of positions cache.length().. when a cache is given (which then keeps the new keys and values), else 0.. . */
    private Var body(Graph graph, Parameters params, Tensor ids, Tensor keyMask, KvCache cache, LinearInputs observer) {
        long length = ids.shape().dim(1);
        long offset = cache == null ? 0 : cache.length();
        Var tokens = graph.embedding(params.get(graph, BODY + "wte.weight"), ids);
        Var positions = graph.slice(params.get(graph, BODY + "wpe.weight"), 0, offset, offset + length);
        Var hidden = graph.add(tokens, positions);
        AttentionMask mask = new AttentionMask(true, keyMask, 0);
        for (int layer = 0; layer < config.layers(); layer++) {
            int index = layer;
            hidden = graph.block(hidden, input -> layer(graph, params, index, input, mask, cache, observer));
        }
        if (cache != null) {
            cache.advance(Math.toIntExact(length));
        }
        return layerNorm(graph, params, BODY + "ln_f", hidden);
    }

    private Var languageModelHead(Graph graph, Parameters params, Var last) {
        String head = config.tieWordEmbeddings() ? BODY + "wte.weight" : "lm_head.weight";
        return graph.linear(last, params.get(graph, head), null);
    }

    /** score(last_hidden_state) at each row's last real position -> [B, num_labels]. */
    private Var pooledScores(Graph graph, Parameters params, LmBatch batch, Var last) {
        long rows = batch.batch();
        List<Var> pooled = new ArrayList<>();
        for (long row = 0; row < rows; row++) {
            long position = batch.lastRealPosition(row);
            Var token = graph.slice(graph.slice(last, 0, row, row + 1), 1, position, position + 1);
            pooled.add(graph.reshape(token, 1, config.hiddenSize()));
        }
        return graph.linear(graph.concat(pooled, 0), params.get(graph, "score.weight"), null);
    }

    private Var layer(Graph graph, Parameters params, int layer, Var hidden, AttentionMask mask, KvCache cache, LinearInputs observer) {
        String prefix = layerPrefix(layer);
        hidden = graph.add(hidden, attention(graph, params, layer, layerNorm(graph, params, prefix + "ln_1", hidden), mask, cache,
                observer));
        Var inner = config.activation().apply(graph, conv1d(graph, params, prefix + "mlp.c_fc",
                layerNorm(graph, params, prefix + "ln_2", hidden), observer));
        return graph.add(hidden, conv1d(graph, params, prefix + "mlp.c_proj", inner, observer));
    }

    private Var attention(Graph graph, Parameters params, int layer, Var x, AttentionMask mask, KvCache cache, LinearInputs observer) {
        String prefix = layerPrefix(layer) + "attn.";
        long batch = x.shape().dim(0);
        long length = x.shape().dim(1);
        long hidden = config.hiddenSize();
        Var qkv = conv1d(graph, params, prefix + "c_attn", x, observer); // [B, L, 3 hidden]: q, k, v side by side
        Var q = heads(graph, graph.slice(qkv, 2, 0, hidden));
        Var k = heads(graph, graph.slice(qkv, 2, hidden, 2 * hidden));
        Var v = heads(graph, graph.slice(qkv, 2, 2 * hidden, 3 * hidden));
        if (cache != null) {
            k = cache.keys(graph, layer, k);
            v = cache.values(graph, layer, v);
        }
        double scale = config.scaleAttentionWeights() ? 1 / Math.sqrt(config.headDimension()) : 1;
        if (config.scaleByInverseLayer()) {
            scale /= layer + 1;
        }
        Var attended = graph.attention(q, k, v, mask, (float) scale);
        Var merged = graph.reshape(graph.transpose(attended, 1, 2), batch, length, hidden);
        return conv1d(graph, params, prefix + "c_proj", merged, observer);
    }

    /** [B, L, hidden] -> [B, heads, L, d]. */
    private Var heads(Graph graph, Var x) {
        return graph.transpose(graph.reshape(x, x.shape().dim(0), x.shape().dim(1), config.heads(), config.headDimension()), 1, 2);
    }

    private static Var conv1d(Graph graph, Parameters params, String name, Var x, LinearInputs observer) {
        if (observer != null) {
            observer.observe(name, x);
        }
        return graph.add(graph.matmul(x, params.get(graph, name + ".weight")), params.get(graph, name + ".bias"));
    }

    private Var layerNorm(Graph graph, Parameters params, String name, Var x) {
        return graph.layerNorm(x, params.get(graph, name + ".weight"), params.get(graph, name + ".bias"), config.layerNormEps());
    }
}

package amalgam.model.lm;

import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.Map;

/**
 * A functional language model: {@link #forward} reads every weight through {@link Parameters} by its Hugging Face
 * name (as {@link #weightShapes} lists them), so plain, merged or λ-parameterised weights run alike and a training
 * graph differentiates through it.
 */
public sealed interface LanguageModel permits DecoderModel, Gpt2Model {
    LmConfig config();

    /** Every weight the forward reads, by its full Hugging Face name (with the body prefix), with its shape. */
    Map<String, Shape> weightShapes();

    /** The prefix of the body's weight names ({@code model.}, {@code transformer.}), absent in bare-body checkpoints. */
    String bodyPrefix();

    /** One forward over the batch, no cache, positions 0..L-1. */
    LmOutput forward(Graph graph, Parameters params, LmBatch batch);

    /**
     * One forward over new tokens of one sequence ({@code newIds} I64 [1, n], no padding) at positions
     * {@code cache.length()}.. : attends over the cached positions and the new ones, and leaves the new keys and
     * values in the cache. Logits [1, n, V].
     */
    LmOutput forward(Graph graph, Parameters params, Tensor newIds, KvCache cache);

    /** An empty cache for sequences of up to {@code capacity} positions. */
    KvCache newCache(int capacity);

    /** The model a folder's config.json describes. */
    static LanguageModel fromFolder(java.nio.file.Path folder) {
        return of(LmConfig.read(folder.resolve("config.json")));
    }

    static LanguageModel of(LmConfig config) {
        return switch (config) {
            case DecoderConfig decoder -> new DecoderModel(decoder);
            case Gpt2Config gpt2 -> new Gpt2Model(gpt2);
        };
    }
}

package amalgam.model.clip;

import amalgam.data.ShuffledOrder;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Keeps a fine-tune from moving the embedding of images it is not about: every step adds
 * {@code weight · mean_b ‖e(s_b; θ) − e(s_b; θ0)‖²} over a batch of reference images s_b that are none of the task's
 * data, with e the normalized image embedding and θ0's embeddings computed once. A large pre-trained model gets this
 * locality from scale (fine-tuning CLIP on one task barely moves the embedding of unrelated images, which is why its
 * task vectors add); a small model has to be asked for it.
 *
 * @param images    the reference images
 * @param reference θ0's normalized embeddings of {@code images}, [N, P]
 * @param settings  weight, batch size and seed of the reference batches
 */
public record FunctionalAnchor(VisionFineTuning.Examples images, Tensor reference, Settings settings) {
    /**
     * @param weight    w, the anchor term's weight against the task's cross-entropy
     * @param images    reference images (the first ones of the reference stream)
     * @param batchSize reference images per step
     * @param seed      order of the reference batches (a fresh shuffle per epoch)
     */
    public record Settings(float weight, int images, int batchSize, long seed) {
        public Settings {
            if (!(weight > 0) || images < 1 || batchSize < 1 || batchSize > images) {
                throw new IllegalArgumentException("anchor needs weight > 0 and 1 <= batch <= images, got " + this);
            }
        }

        public Settings withSeed(long newSeed) {
            return new Settings(weight, images, batchSize, newSeed);
        }
    }

    private static final int EMBEDDING_BATCH = 256;

    /** Embeds {@code images} once with the model they anchor to. */
    public static FunctionalAnchor of(ClipConfig config, Map<String, Tensor> theta0, VisionFineTuning.Examples images,
                                      Settings settings, Arena arena, Parallel parallel) {
        if (images.size() != settings.images()) {
            throw new IllegalArgumentException("anchor expects " + settings.images() + " images, got " + images.size());
        }
        ClipModel model = new ClipModel(config);
        int projection = config.projectionDim();
        Tensor reference = Tensor.allocate(arena, DType.F32, Shape.of(images.size(), projection));
        try (Arena scratch = Arena.ofConfined(); Graph graph = Graph.inference(parallel);
             TensorParameters params = TensorParameters.frozen(theta0)) {
            Shape image = images.imageShape();
            for (int start = 0; start < images.size(); start += EMBEDDING_BATCH) {
                int count = Math.min(EMBEDDING_BATCH, images.size() - start);
                Tensor batch = Tensor.allocate(scratch, DType.F32, Shape.of(count, image.dim(0), image.dim(1), image.dim(2)));
                for (int i = 0; i < count; i++) {
                    images.copyPixels(start + i, batch.data(), i * image.elementCount());
                }
                graph.reset();
                Var embeds = embed(graph, model, params, batch);
                MemorySegment.copy(embeds.value().data(), 0, reference.data(), (long) start * projection * Float.BYTES,
                        (long) count * projection * Float.BYTES);
            }
        }
        return new FunctionalAnchor(images, reference, settings);
    }

    /** The same anchor with its reference batches drawn from another seed (one per fine-tuning run). */
    public FunctionalAnchor withSeed(long seed) {
        return new FunctionalAnchor(images, reference, settings.withSeed(seed));
    }

    /** One fine-tuning run's stream of reference batches. */
    Batches batches(Arena arena) {
        return new Batches(arena);
    }

    static Var embed(Graph graph, ClipModel model, Parameters params, Tensor pixels) {
        return graph.l2Normalize(model.imageEmbeds(graph, params, model.vision(graph, params, graph.constant(pixels)).pooled()));
    }

    /** Draws the reference batches of one run and builds the anchor term on a training graph. */
    final class Batches {
        private final ShuffledOrder order = new ShuffledOrder(images.size(), settings.seed());
        private final Tensor pixels;
        private final Tensor target;

        private Batches(Arena arena) {
            Shape image = images.imageShape();
            pixels = Tensor.allocate(arena, DType.F32, Shape.of(settings.batchSize(), image.dim(0), image.dim(1), image.dim(2)));
            target = Tensor.allocate(arena, DType.F32, Shape.of(settings.batchSize(), reference.shape().dim(1)));
        }

        /** w · mean over the next batch of ‖e(s; θ) − e(s; θ0)‖². */
        Var loss(Graph graph, ClipModel model, Parameters params) {
            long imageFloats = images.imageShape().elementCount();
            long projection = reference.shape().dim(1);
            for (int i = 0; i < settings.batchSize(); i++) {
                int index = order.next();
                images.copyPixels(index, pixels.data(), i * imageFloats);
                MemorySegment.copy(reference.data(), index * projection * Float.BYTES, target.data(),
                        i * projection * Float.BYTES, projection * Float.BYTES);
            }
            Var difference = graph.subtract(embed(graph, model, params, pixels), graph.constant(target));
            return graph.scale(graph.sum(graph.multiply(difference, difference)), settings.weight() / settings.batchSize());
        }
    }
}

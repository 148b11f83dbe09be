package amalgam.model.clip;

import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * A model's normalized image embeddings with a task's {@link FeatureCorrection} applied: what representation
 * surgery's classifier sees for that task. The result is already normalized (then corrected), so the head must not
 * normalize it again ({@link #normalized()}).
 */
public final class CorrectedEmbedder implements ImageEmbedder {
    private final ImageEmbedder inner;
    private final FeatureCorrection correction;
    private final Parallel single = new Parallel(1);
    private final Graph graph = Graph.inference(single);

    public CorrectedEmbedder(ImageEmbedder inner, FeatureCorrection correction) {
        this.inner = inner;
        this.correction = correction;
    }

    @Override
    public Tensor imageEmbeds(Tensor pixels, Arena arena) {
        Tensor embeds = inner.imageEmbeds(pixels, arena);
        graph.reset();
        Var corrected = correction.apply(graph, graph.l2Normalize(graph.constant(embeds)));
        Tensor out = Tensor.allocate(arena, DType.F32, corrected.shape());
        out.data().copyFrom(corrected.value().data());
        return out;
    }

    @Override
    public boolean normalized() {
        return true;
    }

    @Override
    public void close() {
        inner.close();
        graph.close();
        single.close();
    }
}

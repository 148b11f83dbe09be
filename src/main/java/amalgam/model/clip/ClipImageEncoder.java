package amalgam.model.clip;

import amalgam.linalg.LinearAlgebra;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The evaluation forward: image embeddings {@code visual_projection(post_layernorm(CLS))} of pixel batches, inference
 * only, as fast as the machine allows and in bounded memory.
 *
 * <p>A batch is cut into chunks of {@link #CHUNK} images (the last one also takes the remainder, so it has up to
 * 2 {@link #CHUNK} − 1; a smaller batch is one chunk) that run the vision tower in parallel lanes, each chunk on one
 * lane from start to end with single-threaded BLAS; visual_projection then runs once on the whole batch. The chunking
 * does not depend on the thread count, so no result does. Nor does a row of a matrix product depend on how many rows
 * the product has: OpenBLAS computes each output from the same blocks in the same order, except that it switches to
 * other kernels for products of at most 10⁶ multiply-adds (its small-matrix kernels). Every product of a chunk has
 * at least {@link #CHUNK} images' rows, which at mini8 and ViT-B/32 sizes keeps it above that size (the projection's
 * few rows per chunk would not: hence its one product), so there the embeddings are bit-identical to one forward of
 * the whole batch through {@link ClipModel#vision} (tested); for toy towers (width ≤ 32 or so) a chunk's products may
 * take the small kernels where the whole batch's do not, and differ in the last bits.
 *
 * <p>Memory: each lane owns one inference {@link Graph} whose workspace is reused from chunk to chunk and batch to
 * batch, and rewound after every encoder layer ({@link Graph#block}), so a lane holds one layer's activations for
 * {@link #CHUNK} images (about 30 MB at ViT-B/32 shapes) after its first chunk, whatever the batch size.
 *
 * <p>Weights are read through {@link Parameters} once per chunk: give plain tensors (a parameter expression would be
 * recomputed for every chunk). Not thread-safe: one caller at a time.
 */
public final class ClipImageEncoder implements ImageEmbedder {
    /** Images per chunk. Fixed (not derived from the thread count), so a result never depends on it. */
    public static final int CHUNK = 8;
    /** Any thread but a confined arena's owner: a segment it may access is one the lanes may read. */
    private static final Thread OTHER_THREAD = new Thread(() -> { });

    private final ClipModel model;
    private final Parameters params;
    private final int threads;
    private final Parallel lanes;
    private final List<Parallel> laneHelpers = new ArrayList<>();
    private final BlockingQueue<Graph> graphs;
    private final Parallel single = new Parallel(1);
    private final Graph projection = Graph.inference(single); // the caller's: visual_projection of the whole batch
    private final Arena shared = Arena.ofShared(); // what the lanes read and write besides their graphs
    private Tensor staged;          // a copy of pixels that only their owner thread may read, reused while big enough
    private MemorySegment results;  // the lanes' pooled rows, reused while big enough

    /**
     * @param threads threads in all: up to that many lanes run at once; a batch of fewer chunks than threads gives
     *                each lane the threads left over (BLAS and element-wise passes, whose results do not depend on
     *                their thread count either)
     */
    public ClipImageEncoder(ClipModel model, Parameters params, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.model = model;
        this.params = params;
        this.threads = threads;
        this.lanes = new Parallel(threads);
        this.graphs = new ArrayBlockingQueue<>(threads);
    }

    /** Image embeddings [B, P] (not normalized) of pixels [B, C, H, W], allocated in {@code arena}. */
    @Override
    public Tensor imageEmbeds(Tensor pixels, Arena arena) {
        Tensor pooled = pooled(pixels, arena);
        Tensor out = Tensor.allocate(arena, DType.F32, Shape.of(pooled.shape().dim(0), model.config().projectionDim()));
        if (pooled.shape().dim(0) > 0) {
            // one product for the whole batch: its few rows would take OpenBLAS's small-matrix kernels per chunk
            projection.reset();
            out.data().copyFrom(model.imageEmbeds(projection, params, Var.constant(pooled)).value().data());
        }
        return out;
    }

    /** post_layernorm(CLS) [B, D] of pixels [B, C, H, W], allocated in {@code arena}. */
    public Tensor pooled(Tensor pixels, Arena arena) {
        ClipConfig.Tower tower = model.config().vision();
        Shape shape = pixels.shape();
        if (pixels.dtype() != DType.F32 || shape.rank() != 4 || shape.dim(1) != tower.channels()
                || shape.dim(2) != tower.imageSize() || shape.dim(3) != tower.imageSize()) {
            throw new IllegalArgumentException("pixels " + pixels + " should be F32 [B, " + tower.channels() + ", "
                    + tower.imageSize() + ", " + tower.imageSize() + "]");
        }
        long batch = shape.dim(0);
        Tensor out = Tensor.allocate(arena, DType.F32, Shape.of(batch, tower.hiddenSize()));
        if (batch == 0) {
            return out;
        }
        if (!pixels.data().isAccessibleBy(OTHER_THREAD)) { // a confined arena's: the lanes could not read it
            pixels = stage(pixels);
        }
        Tensor input = pixels;
        // the last chunk takes the remainder: CHUNK to 2 CHUNK - 1 images; a model whose routing averages over the batch
        // (WEMoE's evaluation rule) runs the batch as one chunk, on one lane with every thread
        long chunks = model.couplesBatch() ? 1 : Math.max(1, batch / CHUNK);
        int running = (int) Math.min(threads, chunks);
        int perLane = threads / running;
        ensureGraphs(running, perLane);
        long imageBytes = shape.elementCount() / batch * Float.BYTES;
        long rowBytes = (long) tower.hiddenSize() * Float.BYTES;
        if (results == null || results.byteSize() < batch * rowBytes) {
            results = shared.allocate(batch * rowBytes, 64);
        }
        MemorySegment rows = results;
        LinearAlgebra.withThreads(perLane, () -> { // each lane's products may use the threads no other lane uses
            lanes.forRange(chunks, 1, (start, end) -> {
                Graph graph = take();
                try {
                    for (long chunk = start; chunk < end; chunk++) {
                        long first = chunk * CHUNK;
                        long count = chunk == chunks - 1 ? batch - first : CHUNK;
                        Tensor images = Tensor.of(DType.F32, Shape.of(count, shape.dim(1), shape.dim(2), shape.dim(3)),
                                input.data().asSlice(first * imageBytes, count * imageBytes));
                        graph.reset();
                        Var pooled = model.vision(graph, params, graph.constant(images)).pooled();
                        MemorySegment.copy(pooled.value().data(), 0, rows, first * rowBytes, count * rowBytes);
                    }
                } finally {
                    graphs.add(graph);
                }
            });
        });
        MemorySegment.copy(rows, 0, out.data(), 0, batch * rowBytes);
        return out;
    }

    /** Pixels copied into memory every lane may read. */
    private Tensor stage(Tensor pixels) {
        if (staged == null || staged.byteSize() < pixels.byteSize()) {
            staged = Tensor.allocate(shared, DType.F32, pixels.shape()); // the old copy stays until close: rare
        }
        Tensor copy = Tensor.of(DType.F32, pixels.shape(), staged.data().asSlice(0, pixels.byteSize()));
        copy.data().copyFrom(pixels.data());
        return copy;
    }

    /** Keeps {@code count} lane graphs whose element-wise passes use {@code threadsEach} threads. */
    private void ensureGraphs(int count, int threadsEach) {
        if (graphs.size() == count && laneHelpers.stream().allMatch(parallel -> parallel.threads() == threadsEach)) {
            return;
        }
        closeGraphs();
        for (int i = 0; i < count; i++) {
            Parallel helper = new Parallel(threadsEach);
            laneHelpers.add(helper);
            graphs.add(Graph.inference(helper));
        }
    }

    private Graph take() {
        try {
            return graphs.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a lane", e);
        }
    }

    private void closeGraphs() {
        for (Graph graph = graphs.poll(); graph != null; graph = graphs.poll()) {
            graph.close();
        }
        laneHelpers.forEach(Parallel::close);
        laneHelpers.clear();
    }

    @Override
    public void close() {
        closeGraphs();
        projection.close();
        single.close();
        shared.close();
        lanes.close();
    }
}

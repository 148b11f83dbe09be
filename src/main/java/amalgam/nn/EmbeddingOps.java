package amalgam.nn;

import amalgam.parallel.Parallel;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Table lookups and image patches.
 * <ul>
 *   <li>Embedding: weight [V, D], ids of any shape -> [ids..., D]; backward adds each output row's gradient to its
 *       table row (in id order, so repeated ids accumulate deterministically).</li>
 *   <li>Patchify (im2col for a convolution whose stride equals its kernel, no padding): images [B, C, H, W] ->
 *       [B, (H/p)(W/p), C p p], each patch flattened in the torch conv weight layout (c, ky, kx), so a conv with weight
 *       [O, C, p, p] is patchify followed by a product with the weight viewed as [O, C p p] and transposed. Trailing
 *       rows/columns that do not fill a patch are dropped, as the convolution does.</li>
 * </ul>
 */
final class EmbeddingOps {
    private EmbeddingOps() {
    }

    static Var embedding(Graph graph, Var weight, long[] ids, long... idDims) {
        Shape table = weight.shape();
        if (table.rank() != 2) {
            throw new IllegalArgumentException("embedding: weight must be [V, D], got " + table);
        }
        Shape idShape = Shape.of(idDims);
        if (idShape.elementCount() != ids.length) {
            throw new IllegalArgumentException("embedding: " + ids.length + " ids for shape " + idShape);
        }
        long vocabulary = table.dim(0);
        long width = table.dim(1);
        for (long id : ids) {
            if (id < 0 || id >= vocabulary) {
                throw new IllegalArgumentException("embedding: id " + id + " outside the table's " + vocabulary + " rows");
            }
        }
        long[] outDims = new long[idDims.length + 1];
        System.arraycopy(idDims, 0, outDims, 0, idDims.length);
        outDims[idDims.length] = width;
        Tensor out = graph.allocate(Shape.of(outDims));
        for (int i = 0; i < ids.length; i++) {
            MemorySegment.copy(weight.value().data(), ids[i] * width * 4, out.data(), i * width * 4, width * 4);
        }
        return graph.record(out, grad -> {
            MemorySegment target = graph.gradOf(weight).data();
            int run = Math.toIntExact(width);
            for (int i = 0; i < ids.length; i++) {
                Floats.add(run, target, ids[i] * width, grad.data(), i * width, target, ids[i] * width);
            }
        }, weight);
    }

    /** The ids of an integer tensor (I64, I32, ...) as longs. */
    static long[] ids(Tensor tensor) {
        long[] ids = new long[Math.toIntExact(tensor.elementCount())];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = switch (tensor.dtype()) {
                case I64 -> tensor.data().getAtIndex(amalgam.tensor.Layouts.I64, i);
                default -> (long) tensor.getFloat(i);
            };
        }
        return ids;
    }

    static Var patchify(Graph graph, Var images, int patch) {
        Shape shape = images.shape();
        if (shape.rank() != 4 || patch < 1) {
            throw new IllegalArgumentException("patchify: need images [B, C, H, W] and patch >= 1, got " + shape
                    + " and " + patch);
        }
        long batch = shape.dim(0);
        long channels = shape.dim(1);
        long height = shape.dim(2);
        long width = shape.dim(3);
        long rowsOfPatches = height / patch;
        long columnsOfPatches = width / patch;
        long patchLength = channels * patch * patch;
        Tensor out = graph.allocate(Shape.of(batch, rowsOfPatches * columnsOfPatches, patchLength));
        long runs = batch * rowsOfPatches * columnsOfPatches * channels * patch; // one run = p contiguous pixels
        Parallel.RangeBody body = gather(images.value().data(), out.data(), channels, height, width, rowsOfPatches,
                columnsOfPatches, patch, false);
        graph.parallel().forRange(runs, Floats.rowGrain(patch), body);
        return graph.record(out, grad -> {
            Parallel.RangeBody back = gather(graph.gradOf(images).data(), grad.data(), channels, height, width,
                    rowsOfPatches, columnsOfPatches, patch, true);
            graph.parallel().forRange(runs, Floats.rowGrain(patch), back);
        }, images);
    }

    /**
     * Copies each run of p pixels between an image and its patch row: image to patches, or (scatter) patches added
     * back into the image. Runs are numbered in patch-tensor order, so each writes a distinct place either way.
     */
    private static Parallel.RangeBody gather(MemorySegment image, MemorySegment patches, long channels, long height,
            long width, long rowsOfPatches, long columnsOfPatches, int patch, boolean scatter) {
        return (start, end) -> {
            for (long run = start; run < end; run++) {
                long ky = run % patch;
                long rest = run / patch;
                long c = rest % channels;
                rest /= channels;
                long px = rest % columnsOfPatches;
                rest /= columnsOfPatches;
                long py = rest % rowsOfPatches;
                long b = rest / rowsOfPatches;
                long imageOffset = ((b * channels + c) * height + py * patch + ky) * width + px * patch;
                long patchOffset = run * patch;
                if (scatter) {
                    Floats.add(patch, image, imageOffset, patches, patchOffset, image, imageOffset);
                } else {
                    MemorySegment.copy(image, imageOffset * 4, patches, patchOffset * 4, (long) patch * 4);
                }
            }
        };
    }
}

package amalgam.nn;

import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Normalisations along the last axis.
 * <ul>
 *   <li>Layer norm (Ba et al. 2016): y = (x - mean) * rstd * w + b, rstd = 1 / sqrt(var + eps), var biased. Backward
 *       with xhat = (x - mean) rstd and h = g w: dx = rstd (h - mean(h) - xhat mean(h xhat)), dw += sum_rows g xhat,
 *       db += sum_rows g.</li>
 *   <li>RMS norm (Zhang and Sennrich 2019, as Hugging Face's {@code LlamaRMSNorm}): y = w * (x * r),
 *       r = 1 / sqrt(mean(x^2) + eps), no mean subtraction and no bias. Backward with h = g w:
 *       dx = r h - x r^3 mean(h x), dw += sum_rows g x r.</li>
 *   <li>L2 normalise: y = x / max(|x|, eps) (as torch.nn.functional.normalize); dx = (g - y (y . g)) / |x| when
 *       |x| > eps, else g / eps.</li>
 * </ul>
 */
final class NormOps {
    private NormOps() {
    }

    static Var layerNorm(Graph graph, Var x, Var weight, Var bias, float eps) {
        int n = SoftmaxOps.lastDim(x);
        Shape vector = Shape.of(n);
        if (!weight.shape().equals(vector) || !bias.shape().equals(vector)) {
            throw new IllegalArgumentException("layerNorm: x " + x.shape() + " needs weight and bias of shape " + vector
                    + ", got " + weight.shape() + " and " + bias.shape());
        }
        long rows = SoftmaxOps.rows(x, n);
        Tensor out = graph.allocate(x.shape());
        boolean save = graph.needsGrad(x, weight, bias);
        Tensor statistics = save ? graph.allocate(Shape.of(rows, 2)) : null; // [rows, (mean, rstd)]
        MemorySegment in = x.value().data();
        MemorySegment w = weight.value().data();
        MemorySegment b = bias.value().data();
        MemorySegment o = out.data();
        graph.parallel().forRange(rows, Floats.rowGrain(n), (start, end) -> {
            for (long row = start; row < end; row++) {
                long base = row * n;
                float m = (float) (Floats.sum(n, in, base) / n);
                float rstd = (float) (1 / Math.sqrt(Floats.squaredDeviations(n, in, base, m) / n + eps));
                Floats.normalizeAffine(n, in, base, m, rstd, w, b, o);
                if (statistics != null) {
                    statistics.setFloat(2 * row, m);
                    statistics.setFloat(2 * row + 1, rstd);
                }
            }
        });
        return graph.record(out, grad -> {
            MemorySegment g = grad.data();
            if (x.requiresGrad()) {
                MemorySegment target = graph.gradOf(x).data();
                graph.parallel().forRange(rows, Floats.rowGrain(n), (start, end) -> {
                    for (long row = start; row < end; row++) {
                        long base = row * n;
                        float m = statistics.getFloat(2 * row);
                        float rstd = statistics.getFloat(2 * row + 1);
                        double[] sums = Floats.layerNormGradientSums(n, g, in, base, m, rstd, w);
                        Floats.layerNormInputGradient(n, g, in, base, m, rstd, w, (float) (sums[0] / n), (float) (sums[1] / n), target);
                    }
                });
            }
            if (weight.requiresGrad() || bias.requiresGrad()) {
                MemorySegment dw = weight.requiresGrad() ? graph.gradOf(weight).data() : null;
                MemorySegment db = bias.requiresGrad() ? graph.gradOf(bias).data() : null;
                // columns in parallel blocks: each block owns its columns, rows are added in order (deterministic)
                graph.parallel().forRange(n, 256, (start, end) -> {
                    int width = (int) (end - start);
                    for (long row = 0; row < rows; row++) {
                        long base = row * n;
                        float m = statistics.getFloat(2 * row);
                        float rstd = statistics.getFloat(2 * row + 1);
                        if (dw != null) {
                            Floats.addNormalizedProduct(width, g, in, base + start, m, rstd, dw, start);
                        }
                        if (db != null) {
                            Floats.add(width, db, start, g, base + start, db, start);
                        }
                    }
                });
            }
        }, x, weight, bias);
    }

    static Var rmsNorm(Graph graph, Var x, Var weight, float eps) {
        int n = SoftmaxOps.lastDim(x);
        if (!weight.shape().equals(Shape.of(n))) {
            throw new IllegalArgumentException("rmsNorm: x " + x.shape() + " needs a weight of shape [" + n + "], got "
                    + weight.shape());
        }
        long rows = SoftmaxOps.rows(x, n);
        Tensor out = graph.allocate(x.shape());
        Tensor inverseRms = graph.allocate(Shape.of(Math.max(rows, 1))); // r per row, for the backward
        MemorySegment in = x.value().data();
        MemorySegment w = weight.value().data();
        MemorySegment o = out.data();
        graph.parallel().forRange(rows, Floats.rowGrain(n), (start, end) -> {
            for (long row = start; row < end; row++) {
                long base = row * n;
                float r = (float) (1 / Math.sqrt(Floats.dot(n, in, base, in, base) / n + eps));
                inverseRms.setFloat(row, r);
                for (int i = 0; i < n; i++) {
                    float normalized = Floats.get(in, base + i) * r; // rounded before the weight, as HF does
                    Floats.set(o, base + i, Floats.get(w, i) * normalized);
                }
            }
        });
        return graph.record(out, grad -> {
            MemorySegment g = grad.data();
            if (x.requiresGrad()) {
                MemorySegment target = graph.gradOf(x).data();
                graph.parallel().forRange(rows, Floats.rowGrain(n), (start, end) -> {
                    for (long row = start; row < end; row++) {
                        long base = row * n;
                        float r = inverseRms.getFloat(row);
                        double projection = 0; // sum_i h_i x_i
                        for (int i = 0; i < n; i++) {
                            projection += (double) Floats.get(g, base + i) * Floats.get(w, i) * Floats.get(in, base + i);
                        }
                        float correction = (float) (r * r * r * projection / n);
                        for (int i = 0; i < n; i++) {
                            float dx = r * Floats.get(g, base + i) * Floats.get(w, i) - Floats.get(in, base + i) * correction;
                            Floats.set(target, base + i, Floats.get(target, base + i) + dx);
                        }
                    }
                });
            }
            if (weight.requiresGrad()) {
                MemorySegment dw = graph.gradOf(weight).data();
                // columns in parallel blocks, rows added in order (deterministic)
                graph.parallel().forRange(n, 256, (start, end) -> {
                    for (long row = 0; row < rows; row++) {
                        long base = row * n;
                        float r = inverseRms.getFloat(row);
                        for (long i = start; i < end; i++) {
                            Floats.set(dw, i, Floats.get(dw, i) + Floats.get(g, base + i) * Floats.get(in, base + i) * r);
                        }
                    }
                });
            }
        }, x, weight);
    }

    static Var l2Normalize(Graph graph, Var x, float eps) {
        int n = SoftmaxOps.lastDim(x);
        long rows = SoftmaxOps.rows(x, n);
        Tensor out = graph.allocate(x.shape());
        Tensor norms = graph.allocate(Shape.of(Math.max(rows, 1)));
        MemorySegment in = x.value().data();
        graph.parallel().forRange(rows, Floats.rowGrain(n), (start, end) -> {
            for (long row = start; row < end; row++) {
                long base = row * n;
                float norm = (float) Math.sqrt(Floats.dot(n, in, base, in, base));
                norms.setFloat(row, norm);
                float inverse = 1 / Math.max(norm, eps);
                MemorySegment.copy(in, base * 4, out.data(), base * 4, (long) n * 4);
                Floats.scaleInPlace(n, inverse, out.data(), base);
            }
        });
        return graph.record(out, grad -> {
            MemorySegment g = grad.data();
            MemorySegment y = out.data();
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(rows, Floats.rowGrain(n), (start, end) -> {
                for (long row = start; row < end; row++) {
                    long base = row * n;
                    float norm = norms.getFloat(row);
                    if (norm > eps) {
                        float dot = (float) Floats.dot(n, y, base, g, base);
                        for (int i = 0; i < n; i++) {
                            float dx = (Floats.get(g, base + i) - Floats.get(y, base + i) * dot) / norm;
                            Floats.set(target, base + i, Floats.get(target, base + i) + dx);
                        }
                    } else {
                        Floats.axpy(n, 1 / eps, g, base, target, base);
                    }
                }
            });
        }, x);
    }
}

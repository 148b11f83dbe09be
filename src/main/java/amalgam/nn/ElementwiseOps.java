package amalgam.nn;

import amalgam.parallel.Parallel;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Element-wise arithmetic with NumPy broadcasting (bias rows, columns, scalars and general cases): add, subtract,
 * multiply, scale, and the weighted sum base + sum_i lambda_i tau_i used by parameter expressions. The gradient of a
 * broadcast operand is the output gradient summed over the repeated positions.
 */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    enum Kind {
        ADD, SUBTRACT, MULTIPLY
    }

    static Var binary(Graph graph, Kind kind, Var a, Var b) {
        Broadcast plan = new Broadcast(kind.name().toLowerCase(), a.shape(), b.shape());
        Tensor out = graph.allocate(plan.out);
        MemorySegment av = a.value().data();
        MemorySegment bv = b.value().data();
        MemorySegment ov = out.data();
        int n = plan.inner;
        graph.parallel().forRange(plan.rows, Floats.rowGrain(n), (start, end) -> {
            long[] offsets = new long[2];
            for (long row = start; row < end; row++) {
                plan.offsets(row, offsets);
                long o = row * n;
                if (plan.aInner == 1 && plan.bInner == 1 && kind != Kind.SUBTRACT) {
                    if (kind == Kind.ADD) {
                        Floats.add(n, av, offsets[0], bv, offsets[1], ov, o);
                    } else {
                        Floats.multiply(n, av, offsets[0], bv, offsets[1], ov, o);
                    }
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    float x = Floats.get(av, offsets[0] + i * plan.aInner);
                    float y = Floats.get(bv, offsets[1] + i * plan.bInner);
                    Floats.set(ov, o + i, switch (kind) {
                        case ADD -> x + y;
                        case SUBTRACT -> x - y;
                        case MULTIPLY -> x * y;
                    });
                }
            }
        });
        return graph.record(out, grad -> {
            if (a.requiresGrad()) {
                reduceInto(graph, plan, grad, kind == Kind.MULTIPLY ? b.value() : null, 1f, graph.gradOf(a), true);
            }
            if (b.requiresGrad()) {
                reduceInto(graph, plan, grad, kind == Kind.MULTIPLY ? a.value() : null,
                        kind == Kind.SUBTRACT ? -1f : 1f, graph.gradOf(b), false);
            }
        }, a, b);
    }

    /**
     * target[operand index] += sign * grad[out index] * (other == null ? 1 : other[other index]) over the plan; target
     * is operand a ({@code intoA}) or b, and other is then b or a. Runs in parallel only when the target is not
     * broadcast (each of its elements is then written by one output row).
     */
    private static void reduceInto(Graph graph, Broadcast plan, Tensor grad, Tensor other, float sign, Tensor target,
            boolean intoA) {
        MemorySegment g = grad.data();
        MemorySegment t = target.data();
        MemorySegment o = other == null ? null : other.data();
        int n = plan.inner;
        long targetStep = intoA ? plan.aInner : plan.bInner;
        long otherStep = intoA ? plan.bInner : plan.aInner;
        Parallel.RangeBody body = (start, end) -> {
            long[] offsets = new long[2];
            for (long row = start; row < end; row++) {
                plan.offsets(row, offsets);
                long targetOffset = intoA ? offsets[0] : offsets[1];
                long otherOffset = intoA ? offsets[1] : offsets[0];
                long gOffset = row * n;
                if (o == null && targetStep == 1 && sign == 1f) {
                    Floats.add(n, t, targetOffset, g, gOffset, t, targetOffset);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    float value = sign * Floats.get(g, gOffset + i);
                    if (o != null) {
                        value *= Floats.get(o, otherOffset + i * otherStep);
                    }
                    long index = targetOffset + i * targetStep;
                    Floats.set(t, index, Floats.get(t, index) + value);
                }
            }
        };
        if (intoA ? plan.aFull : plan.bFull) {
            graph.parallel().forRange(plan.rows, Floats.rowGrain(n), body);
        } else {
            body.run(0, plan.rows);
        }
    }

    /** alpha * x. */
    static Var scale(Graph graph, Var x, float alpha) {
        Tensor out = graph.allocate(x.shape());
        long count = x.value().elementCount();
        MemorySegment xv = x.value().data();
        graph.parallel().forRange(count, Floats.ELEMENT_GRAIN, (start, end) -> {
            MemorySegment.copy(xv, start * 4, out.data(), start * 4, (end - start) * 4);
            Floats.scaleInPlace((int) (end - start), alpha, out.data(), start);
        });
        return graph.record(out, grad -> accumulate(graph, grad, alpha, graph.gradOf(x)), x);
    }

    /**
     * min(max(x, low), high) element-wise; d/dx = 1 where low <= x <= high, else 0 (torch.clamp's gradient, which
     * passes at the bounds themselves).
     */
    static Var clamp(Graph graph, Var x, float low, float high) {
        if (!(low <= high)) {
            throw new IllegalArgumentException("clamp: low " + low + " > high " + high);
        }
        Tensor out = graph.allocate(x.shape());
        long count = x.value().elementCount();
        MemorySegment xv = x.value().data();
        graph.parallel().forRange(count, Floats.ELEMENT_GRAIN, (start, end) -> {
            for (long i = start; i < end; i++) {
                Floats.set(out.data(), i, Math.min(Math.max(Floats.get(xv, i), low), high));
            }
        });
        return graph.record(out, grad -> {
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(count, Floats.ELEMENT_GRAIN, (start, end) -> {
                for (long i = start; i < end; i++) {
                    float v = Floats.get(xv, i);
                    if (v >= low && v <= high) {
                        Floats.set(target, i, Floats.get(target, i) + Floats.get(grad.data(), i));
                    }
                }
            });
        }, x);
    }

    /**
     * y = x / mean(x) over all elements (Concrete masks' per-tensor normalisation); with mu = mean(x) and n elements,
     * d x_j = g_j / mu - (sum_i g_i x_i) / (n mu^2). Sums in double, in a fixed order.
     */
    static Var divideByMean(Graph graph, Var x) {
        long count = x.value().elementCount();
        if (count == 0) {
            throw new IllegalArgumentException("divideByMean of an empty tensor " + x.shape());
        }
        MemorySegment xv = x.value().data();
        double mean = graph.parallel().sum(count, Floats.ELEMENT_GRAIN, (start, end) -> Floats.sum((int) (end - start), xv, start))
                / count;
        float inverse = (float) (1 / mean);
        Tensor out = graph.allocate(x.shape());
        graph.parallel().forRange(count, Floats.ELEMENT_GRAIN, (start, end) -> {
            MemorySegment.copy(xv, start * 4, out.data(), start * 4, (end - start) * 4);
            Floats.scaleInPlace((int) (end - start), inverse, out.data(), start);
        });
        return graph.record(out, grad -> {
            double dot = graph.parallel().sum(count, Floats.ELEMENT_GRAIN,
                    (start, end) -> Floats.dot((int) (end - start), grad.data(), start, xv, start));
            float shift = (float) (dot / (count * mean * mean));
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(count, Floats.ELEMENT_GRAIN, (start, end) -> {
                for (long i = start; i < end; i++) {
                    Floats.set(target, i, Floats.get(target, i) + Floats.get(grad.data(), i) * inverse - shift);
                }
            });
        }, x);
    }

    /** target += alpha * source, element-wise over equal shapes, in parallel. */
    static void accumulate(Graph graph, Tensor source, float alpha, Tensor target) {
        graph.parallel().forRange(source.elementCount(), Floats.ELEMENT_GRAIN,
                (start, end) -> Floats.axpy((int) (end - start), alpha, source.data(), start, target.data(), start));
    }

    /**
     * base + sum_i lambda_i * tau_i where lambda_i = weights[indices[i]] (weights of any shape, e.g. [tasks] or
     * [layers, tasks]); d weights[indices[i]] += sum(grad * tau_i). All taus must have the base's shape.
     */
    static Var weightedSum(Graph graph, Var base, List<Var> taus, Var weights, long[] indices) {
        if (taus.size() != indices.length) {
            throw new IllegalArgumentException("weightedSum: " + taus.size() + " tensors but " + indices.length + " weight indices");
        }
        if (base == null && taus.isEmpty()) {
            throw new IllegalArgumentException("weightedSum: no base and no tensors");
        }
        Shape shape = base != null ? base.shape() : taus.getFirst().shape();
        float[] lambda = new float[indices.length];
        for (int i = 0; i < taus.size(); i++) {
            if (!taus.get(i).shape().equals(shape)) {
                throw new IllegalArgumentException("weightedSum: tensor " + i + " has shape " + taus.get(i).shape()
                        + " but the base has " + shape);
            }
            if (indices[i] < 0 || indices[i] >= weights.value().elementCount()) {
                throw new IllegalArgumentException("weightedSum: weight index " + indices[i] + " outside weights "
                        + weights.shape());
            }
            lambda[i] = weights.value().getFloat(indices[i]);
        }
        Tensor out = graph.allocate(shape);
        long count = shape.elementCount();
        graph.parallel().forRange(count, Floats.ELEMENT_GRAIN, (start, end) -> {
            if (base == null) {
                out.data().asSlice(start * 4, (end - start) * 4).fill((byte) 0);
            } else {
                MemorySegment.copy(base.value().data(), start * 4, out.data(), start * 4, (end - start) * 4);
            }
            for (int i = 0; i < lambda.length; i++) {
                Floats.axpy((int) (end - start), lambda[i], taus.get(i).value().data(), start, out.data(), start);
            }
        });
        List<Var> inputList = new java.util.ArrayList<>();
        if (base != null) {
            inputList.add(base);
        }
        inputList.add(weights);
        inputList.addAll(taus);
        Var[] inputs = inputList.toArray(Var[]::new);
        return graph.record(out, grad -> {
            if (base != null && base.requiresGrad()) {
                accumulate(graph, grad, 1f, graph.gradOf(base));
            }
            for (int i = 0; i < lambda.length; i++) {
                Var tau = taus.get(i);
                if (tau.requiresGrad()) {
                    accumulate(graph, grad, lambda[i], graph.gradOf(tau));
                }
                if (weights.requiresGrad()) {
                    double dot = graph.parallel().sum(count, Floats.ELEMENT_GRAIN,
                            (start, end) -> Floats.dot((int) (end - start), grad.data(), start, tau.value().data(), start));
                    Tensor g = graph.gradOf(weights);
                    g.setFloat(indices[i], (float) (g.getFloat(indices[i]) + dot));
                }
            }
        }, inputs);
    }
}

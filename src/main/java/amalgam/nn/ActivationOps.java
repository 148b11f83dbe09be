package amalgam.nn;

import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Element-wise activations and their derivatives:
 * <ul>
 *   <li>GELU (exact): x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2; d/dx = Phi(x) + x * phi(x),
 *       phi(x) = exp(-x^2 / 2) / sqrt(2 pi) (Hendrycks and Gimpel 2016);</li>
 *   <li>quick GELU (CLIP): x * sigmoid(1.702 x); d/dx = s + 1.702 x s (1 - s);</li>
 *   <li>sigmoid: s = 1 / (1 + exp(-x)); d/dx = s (1 - s);</li>
 *   <li>ReLU: max(x, 0); d/dx = 1 where x > 0, else 0 (torch's choice at 0);</li>
 *   <li>SiLU (swish, Elfwing et al. 2017): x s(x); d/dx = s + x s (1 - s);</li>
 *   <li>tanh GELU (Hugging Face's {@code gelu_new}, GPT-2): x (1 + tanh(u)) / 2, u = sqrt(2/pi) (x + 0.044715 x^3);
 *       d/dx = (1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2, t = tanh(u).</li>
 * </ul>
 * The backward recomputes from the saved input (no extra activation buffer). Quick GELU runs on {@link VectorMath}'s
 * exp (CLIP's MLPs spend most of their element-wise time there).
 */
final class ActivationOps {
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double GELU_CUBIC = 0.044715;
    static final float QUICK_GELU_ALPHA = 1.702f;

    enum Kind {
        GELU, QUICK_GELU, SIGMOID, RELU, SILU, TANH_GELU
    }

    private ActivationOps() {
    }

    static Var apply(Graph graph, Kind kind, Var x) {
        Tensor out = graph.allocate(x.shape());
        MemorySegment in = x.value().data();
        MemorySegment o = out.data();
        graph.parallel().forRange(x.value().elementCount(), Floats.ELEMENT_GRAIN / 4, (start, end) -> {
            switch (kind) {
                case GELU -> {
                    for (long i = start; i < end; i++) {
                        double v = Floats.get(in, i);
                        Floats.set(o, i, (float) (0.5 * v * (1 + Erf.erf(v * INV_SQRT2))));
                    }
                }
                case QUICK_GELU -> VectorMath.sigmoidGate(end - start, QUICK_GELU_ALPHA, in, start, o, start);
                case SIGMOID -> {
                    for (long i = start; i < end; i++) {
                        Floats.set(o, i, sigmoid(Floats.get(in, i)));
                    }
                }
                case RELU -> {
                    for (long i = start; i < end; i++) {
                        Floats.set(o, i, Math.max(Floats.get(in, i), 0f));
                    }
                }
                case SILU -> {
                    for (long i = start; i < end; i++) {
                        float v = Floats.get(in, i);
                        Floats.set(o, i, v * sigmoid(v));
                    }
                }
                case TANH_GELU -> {
                    for (long i = start; i < end; i++) {
                        double v = Floats.get(in, i);
                        Floats.set(o, i, (float) (0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v)))));
                    }
                }
            }
        });
        return graph.record(out, grad -> {
            MemorySegment g = grad.data();
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(x.value().elementCount(), Floats.ELEMENT_GRAIN / 4, (start, end) -> {
                if (kind == Kind.QUICK_GELU) {
                    VectorMath.sigmoidGateBackward(end - start, QUICK_GELU_ALPHA, in, g, target, start);
                    return;
                }
                for (long i = start; i < end; i++) {
                    float v = Floats.get(in, i);
                    float derivative = switch (kind) {
                        case GELU -> (float) (0.5 * (1 + Erf.erf(v * INV_SQRT2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
                        case QUICK_GELU -> throw new IllegalStateException("vectorized above");
                        case SIGMOID -> {
                            float s = Floats.get(o, i);
                            yield s * (1 - s);
                        }
                        case RELU -> v > 0 ? 1f : 0f;
                        case SILU -> {
                            float s = sigmoid(v);
                            yield s + v * s * (1 - s);
                        }
                        case TANH_GELU -> {
                            double t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v));
                            yield (float) (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * v * v));
                        }
                    };
                    Floats.set(target, i, Floats.get(target, i) + derivative * Floats.get(g, i));
                }
            });
        }, x);
    }

    /** 1 / (1 + exp(-x)), written to avoid overflow for large |x|. */
    static float sigmoid(float x) {
        if (x >= 0) {
            return (float) (1 / (1 + Math.exp(-x)));
        }
        double e = Math.exp(x);
        return (float) (e / (1 + e));
    }
}

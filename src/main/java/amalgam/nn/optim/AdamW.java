package amalgam.nn.optim;

import amalgam.parallel.Parallel;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter 2019), as torch.optim.AdamW: with t the step count,
 * <pre>
 *   p <- p (1 - lr wd)                                  (decoupled weight decay)
 *   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2
 *   p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Moment buffers live off-heap in an arena this optimizer owns. Parameters without a gradient are skipped.
 */
public final class AdamW implements AutoCloseable {
    /** Settings; torch defaults via {@link #defaults(float)}. */
    public record Settings(float beta1, float beta2, float epsilon, float weightDecay) {
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0 && weightDecay >= 0)) {
                throw new IllegalArgumentException("AdamW settings out of range: " + beta1 + ", " + beta2 + ", "
                        + epsilon + ", " + weightDecay);
            }
        }

        /** betas (0.9, 0.999), eps 1e-8, the given weight decay (torch's default is 0.01). */
        public static Settings defaults(float weightDecay) {
            return new Settings(0.9f, 0.999f, 1e-8f, weightDecay);
        }
    }

    private final List<Var> parameters;
    private final Settings settings;
    private final Parallel parallel;
    private final Arena arena = Arena.ofShared();
    private final List<Tensor> first = new ArrayList<>();
    private final List<Tensor> second = new ArrayList<>();
    private long steps;

    public AdamW(List<Var> parameters, Settings settings, Parallel parallel) {
        this.parameters = List.copyOf(parameters);
        this.settings = settings;
        this.parallel = parallel;
        for (Var parameter : this.parameters) {
            if (!parameter.requiresGrad()) {
                throw new IllegalArgumentException("AdamW given a parameter that takes no gradient: " + parameter);
            }
            first.add(Tensor.allocate(arena, DType.F32, parameter.shape()));
            second.add(Tensor.allocate(arena, DType.F32, parameter.shape()));
        }
    }

    /** Steps taken so far. */
    public long steps() {
        return steps;
    }

    /** One update with learning rate {@code lr}. */
    public void step(float lr) {
        steps++;
        double correction1 = 1 - Math.pow(settings.beta1(), steps);
        double correction2 = 1 - Math.pow(settings.beta2(), steps);
        float stepSize = (float) (lr / correction1);
        float sqrtCorrection2 = (float) Math.sqrt(correction2);
        float decay = 1 - lr * settings.weightDecay();
        float b1 = settings.beta1();
        float b2 = settings.beta2();
        float eps = settings.epsilon();
        for (int index = 0; index < parameters.size(); index++) {
            Var parameter = parameters.get(index);
            Tensor grad = parameter.grad();
            if (grad == null) {
                continue;
            }
            MemorySegment p = parameter.value().data();
            MemorySegment g = grad.data();
            MemorySegment m = first.get(index).data();
            MemorySegment v = second.get(index).data();
            parallel.forRange(parameter.value().elementCount(), 1 << 14, (start, end) -> {
                for (long i = start; i < end; i++) {
                    float gi = g.getAtIndex(Layouts.F32, i);
                    float mi = b1 * m.getAtIndex(Layouts.F32, i) + (1 - b1) * gi;
                    float vi = b2 * v.getAtIndex(Layouts.F32, i) + (1 - b2) * gi * gi;
                    m.setAtIndex(Layouts.F32, i, mi);
                    v.setAtIndex(Layouts.F32, i, vi);
                    float pi = p.getAtIndex(Layouts.F32, i) * decay;
                    float denominator = (float) Math.sqrt(vi) / sqrtCorrection2 + eps;
                    p.setAtIndex(Layouts.F32, i, pi - stepSize * mi / denominator);
                }
            });
        }
    }

    /** Clears the gradients of all parameters. */
    public void zeroGrad() {
        parameters.forEach(Var::zeroGrad);
    }

    @Override
    public void close() {
        arena.close();
    }
}

package amalgam.nn.optim;

import amalgam.nn.Var;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Global-norm clipping as torch.nn.utils.clip_grad_norm_: with n = sqrt(sum of squares of every gradient), when
 * n > max every gradient is multiplied by max / (n + 1e-6).
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** Clips in place and returns the norm before clipping. */
    public static double clipGlobalNorm(List<Var> parameters, double maxNorm) {
        double squares = 0;
        for (Var parameter : parameters) {
            Tensor grad = parameter.grad();
            if (grad == null) {
                continue;
            }
            MemorySegment g = grad.data();
            for (long i = 0; i < grad.elementCount(); i++) {
                double value = g.getAtIndex(Layouts.F32, i);
                squares += value * value;
            }
        }
        double norm = Math.sqrt(squares);
        if (norm > maxNorm) {
            float factor = (float) (maxNorm / (norm + 1e-6));
            for (Var parameter : parameters) {
                Tensor grad = parameter.grad();
                if (grad == null) {
                    continue;
                }
                MemorySegment g = grad.data();
                for (long i = 0; i < grad.elementCount(); i++) {
                    g.setAtIndex(Layouts.F32, i, g.getAtIndex(Layouts.F32, i) * factor);
                }
            }
        }
        return norm;
    }
}

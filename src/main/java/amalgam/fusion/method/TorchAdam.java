package amalgam.fusion.method;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * torch.optim.Adam's update (defaults β = (0.9, 0.999), ε = 1e-8, no weight decay) on one float32 tensor, for the
 * data-free methods that optimise a merged tensor against a closed-form gradient (WUDI, DOGE-TA).
 */
final class TorchAdam {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private TorchAdam() {
    }

    /** Step {@code step} (from 1): p -= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε). */
    static void step(MemorySegment parameter, MemorySegment gradient, MemorySegment firstMoment, MemorySegment secondMoment,
                     long count, int step, float learningRate) {
        float biasCorrection1 = 1 - (float) Math.pow(BETA1, step);
        float biasCorrection2Sqrt = (float) Math.sqrt(1 - Math.pow(BETA2, step));
        float stepSize = learningRate / biasCorrection1;
        for (long i = 0; i < count; i++) {
            float g = gradient.getAtIndex(Layouts.F32, i);
            float mean = BETA1 * firstMoment.getAtIndex(Layouts.F32, i) + (1 - BETA1) * g;
            float square = BETA2 * secondMoment.getAtIndex(Layouts.F32, i) + (1 - BETA2) * g * g;
            firstMoment.setAtIndex(Layouts.F32, i, mean);
            secondMoment.setAtIndex(Layouts.F32, i, square);
            float denominator = (float) Math.sqrt(square) / biasCorrection2Sqrt + EPSILON;
            parameter.setAtIndex(Layouts.F32, i, parameter.getAtIndex(Layouts.F32, i) - stepSize * mean / denominator);
        }
    }
}

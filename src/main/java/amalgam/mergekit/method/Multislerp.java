package amalgam.mergekit.method;

import amalgam.param.Domain;
import amalgam.UserInputException;
import java.util.List;

/**
 * {@code multislerp} as mergekit computes it. Inputs {@code x_i} (task vectors {@code x_i − base} with a base),
 * weights normalised to sum 1 if {@code normalize_weights}; {@code n_i = ‖x_i‖}, {@code u_i = x_i/(n_i + eps)},
 * {@code m = Σ w_i u_i}; if {@code ‖m‖ < eps}: the linear {@code w_0 x_0 + w_1 x_1} for two models, else an error.
 * {@code m̂ = m/‖m‖}, {@code τ = Σ w_i (u_i − ⟨u_i,m̂⟩m̂)}, {@code r = ‖τ‖ + eps},
 * {@code out = (m̂ cos r + τ sin r / r)·Σ w_i n_i} (+ base). Since τ vanishes, this is the direction of the
 * weighted mean of unit vectors scaled to the weighted mean norm.
 */
public final class Multislerp {
    public static final MergeMethod DECLARATION = new MergeMethod("multislerp", "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#multislerp",
            List.of(MergekitParameter.flag("normalize_weights", true, "divide the weights by their sum"),
                    MergekitParameter.optional("eps", 1e-8, Domain.NON_NEGATIVE, "guard against division by a zero norm")),
            List.of(MergekitParameter.required("weight", Domain.REAL, "relative weight of the model on the hypersphere")),
            ShapeRule.EXACT, false, LoneInput.NON_BASE, Multislerp::merge);

    private Multislerp() {
    }

    private static MergedTensor merge(MergeRequest request) {
        List<TensorInput> inputs = request.inputs();
        List<TensorInput> others = request.others();
        if (others.isEmpty()) {
            throw new UserInputException("multislerp: tensor '" + request.tensorName()
                    + "' is present only in the base model (nothing to interpolate)");
        }
        double eps = request.global("eps");
        int count = others.size();
        int n = others.getFirst().values().length;
        double[] weights = new double[count];
        double weightSum = 0;
        for (int m = 0; m < count; m++) {
            weights[m] = others.get(m).parameter("weight", request.tensorName());
            weightSum += weights[m];
        }
        if (request.flag("normalize_weights")) {
            for (int m = 0; m < count; m++) {
                weights[m] /= weightSum;
            }
        }
        float[][] x = new float[count][];
        double[] norms = new double[count];
        double meanNorm = 0;
        for (int m = 0; m < count; m++) {
            x[m] = request.hasBase() ? FloatVectors.subtract(others.get(m).values(), request.base().values(), request.precision())
                    : others.get(m).values();
            norms[m] = FloatVectors.norm(x[m]);
            meanNorm += weights[m] * norms[m];
        }
        double[] mean = new double[n];
        for (int m = 0; m < count; m++) {
            double scale = weights[m] / (norms[m] + eps);
            for (int e = 0; e < n; e++) {
                mean[e] += scale * x[m][e];
            }
        }
        double meanLength = 0;
        for (double value : mean) {
            meanLength += value * value;
        }
        meanLength = Math.sqrt(meanLength);
        float[] out = new float[n];
        if (meanLength < eps) {
            if (count != 2) {
                throw new UserInputException("multislerp: tensor '" + request.tensorName()
                        + "': the weighted mean of the unit vectors vanishes (opposing inputs)");
            }
            for (int e = 0; e < n; e++) {
                out[e] = (float) (weights[0] * x[0][e] + weights[1] * x[1][e]);
            }
        } else {
            // The tangent step of the exponential map is zero identically (τ = m − ⟨m,m̂⟩m̂), so out = m̂ · Σ w_i n_i.
            double r = eps;
            double scale = Math.cos(r) * meanNorm / meanLength;
            for (int e = 0; e < n; e++) {
                out[e] = (float) (mean[e] * scale);
            }
        }
        if (request.hasBase()) {
            out = FloatVectors.add(out, request.base().values(), request.precision());
        } else {
            request.precision().roundInPlace(out);
        }
        return new MergedTensor(others.getFirst().shape(), out);
    }
}

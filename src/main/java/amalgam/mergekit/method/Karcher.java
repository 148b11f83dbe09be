package amalgam.mergekit.method;

import amalgam.param.Domain;
import java.util.List;

/**
 * {@code karcher}: the Riemannian (Karcher) mean of the inputs' directions on the sphere, scaled by their mean
 * norm. Equal weights {@code α_i = 1/N} whatever the {@code weight} settings. {@code u_i = x_i/‖x_i‖}; inputs with
 * {@code ‖x_i‖ ≤ tol} are left out of the direction (none left: zeros). Start {@code u = normalise(Σ α_i u_i)};
 * repeat {@code max_iter} times: {@code T = Σ_{θ_i ≥ tol} α_i (θ_i/sin θ_i)(u_i − cos θ_i u)} with
 * {@code cos θ_i = clamp(⟨u,u_i⟩,−1,1)}; stop when {@code ‖T‖ < tol}; else
 * {@code u ← normalise(cos‖T‖ u + sin‖T‖ T/‖T‖)}. Output {@code (Σ_i α_i ‖x_i‖) u}.
 */
public final class Karcher {
    public static final MergeMethod DECLARATION = new MergeMethod("karcher", "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#karcher-mean",
            List.of(MergekitParameter.optional("max_iter", 10, Domain.integersFrom(1), "most iterations of the Riemannian mean"),
                    MergekitParameter.optional("tol", 1e-5, Domain.NON_NEGATIVE, "stop when the tangent step is shorter; smaller norms are left out")),
            List.of(), ShapeRule.EXACT, false, LoneInput.ANY, Karcher::merge);

    private Karcher() {
    }

    private static MergedTensor merge(MergeRequest request) {
        List<TensorInput> inputs = request.inputs();
        int maxIterations = (int) request.global("max_iter");
        double tol = request.global("tol");
        int count = inputs.size();
        int n = inputs.getFirst().values().length;
        double[] norms = new double[count];
        double meanNorm = 0;
        double validAlpha = 0;
        for (int m = 0; m < count; m++) {
            norms[m] = (float) FloatVectors.norm(inputs.get(m).values());
            meanNorm += norms[m] / count;
            if (norms[m] > tol) {
                validAlpha += 1.0 / count;
            }
        }
        float[] out = new float[n];
        if (validAlpha == 0) {
            return new MergedTensor(inputs.getFirst().shape(), out);
        }
        double[][] units = new double[count][];
        double[] alpha = new double[count];
        double[] u = new double[n];
        int firstValid = -1;
        for (int m = 0; m < count; m++) {
            if (norms[m] > tol) {
                firstValid = firstValid < 0 ? m : firstValid;
                alpha[m] = (1.0 / count) / validAlpha;
                units[m] = new double[n];
                float[] x = inputs.get(m).values();
                for (int e = 0; e < n; e++) {
                    units[m][e] = x[e] / norms[m];
                    u[e] += alpha[m] * units[m][e];
                }
            }
        }
        double length = length(u);
        if (length < tol) {
            u = units[firstValid].clone();
        } else {
            scale(u, 1 / length);
        }
        double[] tangent = new double[n];
        for (int iteration = 0; iteration < maxIterations; iteration++) {
            java.util.Arrays.fill(tangent, 0);
            for (int m = 0; m < count; m++) {
                if (units[m] == null) {
                    continue;
                }
                double cos = Math.clamp(dot(u, units[m]), -1.0, 1.0);
                double theta = Math.acos(cos);
                if (theta < tol) {
                    continue;
                }
                double factor = alpha[m] * theta / Math.sin(theta);
                for (int e = 0; e < n; e++) {
                    tangent[e] += factor * (units[m][e] - cos * u[e]);
                }
            }
            double step = length(tangent);
            if (step < tol) {
                break;
            }
            double cos = Math.cos(step);
            double sin = Math.sin(step);
            for (int e = 0; e < n; e++) {
                u[e] = cos * u[e] + sin * tangent[e] / step;
            }
            scale(u, 1 / length(u));
        }
        for (int e = 0; e < n; e++) {
            out[e] = request.precision().round(meanNorm * u[e]);
        }
        return new MergedTensor(inputs.getFirst().shape(), out);
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double length(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static void scale(double[] a, double factor) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= factor;
        }
    }
}

package amalgam.mergekit.method;

import amalgam.param.Domain;
import java.util.List;

/**
 * {@code linear} (model soups, Wortsman et al. 2022): {@code out = Σ w_i x_i}, divided by {@code Σ w_i} when
 * {@code normalize} (default true; no zero guard). Weights are rounded to the working dtype first. Models missing
 * an optional tensor are absent, so normalisation re-weights over the present ones.
 */
public final class Linear {
    public static final MergeMethod DECLARATION = new MergeMethod("linear", "https://arxiv.org/abs/2203.05482",
            List.of(MergekitParameter.flag("normalize", true, "divide by the sum of the weights")),
            List.of(MergekitParameter.required("weight", Domain.REAL, "the model's weight in the weighted sum")),
            ShapeRule.COMMON_SUBMATRIX, false, LoneInput.NEVER, Linear::merge);

    private Linear() {
    }

    private static MergedTensor merge(MergeRequest request) {
        Precision precision = request.precision();
        List<TensorInput> inputs = request.inputs();
        float[] weights = new float[inputs.size()];
        float weightSum = 0;
        for (int m = 0; m < weights.length; m++) {
            weights[m] = precision.round(inputs.get(m).parameter("weight", request.tensorName()));
            weightSum += weights[m];
        }
        weightSum = precision.round(weightSum);
        boolean normalize = request.flag("normalize");
        int n = inputs.getFirst().values().length;
        float[] out = new float[n];
        for (int e = 0; e < n; e++) {
            float sum = 0;
            for (int m = 0; m < weights.length; m++) {
                sum += precision.round(weights[m] * inputs.get(m).values()[e]);
            }
            sum = precision.round(sum);
            out[e] = normalize ? precision.round(sum / weightSum) : sum;
        }
        return new MergedTensor(inputs.getFirst().shape(), out);
    }
}

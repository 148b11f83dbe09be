package amalgam.fusion.closedform;

import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.param.Domain;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters RegMean and RegMean++ share, with the defaults of FusionBench's CLIP configs
 * ({@code reduce_non_diagonal_ratio} 0.95 there, 0.1 in the base config; spec §10.6).
 *
 * @param excluded        tensors kept at θ0 ({@code exclude_param_names_regex})
 * @param examples        train images per task ({@code num_regmean_examples}), whole shuffled batches
 * @param weightTranspose {@code weight_transpose}: Linear weights are stored [out, in] (true for CLIP)
 * @param alpha           {@code reduce_non_diagonal_ratio}: off-diagonal Gram entries × α
 * @param batchSize       {@code dataloader_kwargs.batch_size}
 */
record RegMeanParameters(ExcludedNames excluded, int examples, boolean weightTranspose, double alpha, int batchSize) {
    static List<ParameterSpec> specs() {
        List<ParameterSpec> specs = new ArrayList<>(List.of(
                ParameterSpec.of("exclude_param_names_regex", ParameterType.STRING_LIST, List.of(),
                        "tensors whose names these patterns match at the start keep the pretrained value"),
                ParameterSpec.of("num_regmean_examples", ParameterType.INT, 256, Domain.integers(1, Integer.MAX_VALUE),
                        "train images per task, shuffled with the run's seed, in whole batches"),
                ParameterSpec.of("weight_transpose", ParameterType.BOOL, true,
                        "Linear weights are stored [out, in] (nn.Linear); false is for Conv1D-style [in, out] weights, which CLIP has none of"),
                ParameterSpec.of("reduce_non_diagonal_ratio", ParameterType.FLOAT, 0.95, Domain.closed(0, 1),
                        "off-diagonal entries of each Gram matrix are multiplied by this")));
        specs.addAll(DataLoaderParameters.specs());
        return specs;
    }

    static RegMeanParameters of(MethodParameters parameters, String method) {
        if (!parameters.getBoolean("weight_transpose")) {
            throw new amalgam.UserInputException("method '" + method + "': weight_transpose=false is for models whose Linear weights"
                    + " are stored [in, out] (GPT-2's Conv1D); CLIP's are [out, in], keep weight_transpose=true");
        }
        return new RegMeanParameters(ExcludedNames.of(parameters.getStrings("exclude_param_names_regex"), method),
                Math.toIntExact(parameters.getLong("num_regmean_examples")), true,
                parameters.getDouble("reduce_non_diagonal_ratio"), DataLoaderParameters.batchSize(parameters));
    }
}

package amalgam.mergekit.method;

import amalgam.param.Domain;
import amalgam.UserInputException;
import java.util.List;

/** {@code passthrough}: the one input tensor, times the model's {@code scale} when set. The frankenmerge workhorse. */
public final class Passthrough {
    public static final MergeMethod DECLARATION = new MergeMethod("passthrough", "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#passthrough",
            List.of(), List.of(MergekitParameter.absentByDefault("scale", Domain.REAL, "factor the tensor is multiplied by")),
            ShapeRule.EXACT, false, LoneInput.NEVER, Passthrough::merge);

    private Passthrough() {
    }

    private static MergedTensor merge(MergeRequest request) {
        if (request.inputs().size() != 1) {
            throw new UserInputException("passthrough takes exactly one model per tensor, but tensor '"
                    + request.tensorName() + "' has " + request.inputs().size());
        }
        TensorInput input = request.inputs().getFirst();
        float[] out = input.values().clone();
        Double scale = input.parameterOrNull("scale");
        if (scale != null) {
            for (int e = 0; e < out.length; e++) {
                out[e] = request.precision().round(out[e] * scale);
            }
        }
        return new MergedTensor(input.shape(), out);
    }
}

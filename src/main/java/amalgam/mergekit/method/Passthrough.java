package amalgam.mergekit.method;

import amalgam.param.Domain;
import amalgam.UserInputException;
import java.util.List;

/** {@code passthrough}: the one input tensor, times the model's {@code scale} when set. The frankenmerge workhorse. */
public final class Passthrough implements MergeMethod {
    @Override
    public String name() {
        return "passthrough";
    }

    @Override
    public List<ParameterSpec> globalParameters() {
        return List.of();
    }

    @Override
    public List<ParameterSpec> tensorParameters() {
        return List.of(ParameterSpec.absentByDefault("scale", Domain.REAL));
    }

    @Override
    public ShapeRule shapeRule() {
        return ShapeRule.EXACT;
    }

    @Override
    public MergedTensor merge(MergeRequest request) {
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

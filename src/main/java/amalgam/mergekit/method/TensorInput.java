package amalgam.mergekit.method;

import amalgam.UserInputException;
import amalgam.tensor.Shape;
import java.util.Map;

/**
 * One model's tensor as a method sees it: float32 values rounded to the working dtype, row-major in
 * {@code shape}, plus the model's resolved per-model parameters (a name maps to null when it has no value).
 *
 * @param modelIndex position of the model among the tensor's inputs before any was dropped (keys the RNG)
 * @param modelName  the model reference, for messages
 */
public record TensorInput(int modelIndex, String modelName, Shape shape, float[] values, Map<String, Double> parameters) {

    /** The parameter's value; an error naming model and parameter when it has none. */
    public double parameter(String name, String tensorName) {
        Double value = parameters.get(name);
        if (value == null) {
            throw new UserInputException("Missing required parameter " + name + " for " + modelName + "." + tensorName);
        }
        return value;
    }

    /** The parameter's value or null. */
    public Double parameterOrNull(String name) {
        return parameters.get(name);
    }

    public TensorInput withValues(Shape newShape, float[] newValues) {
        return new TensorInput(modelIndex, modelName, newShape, newValues, parameters);
    }
}

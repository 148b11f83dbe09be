package amalgam.mergekit.method;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything a method needs to merge one tensor.
 *
 * @param tensorName output tensor name (messages, RNG key)
 * @param isEmbed    whether the tensor is an embedding / head indexed by vocabulary
 * @param inputs     the present models' tensors in input order (slice-source order, base last if appended)
 * @param baseIndex  index of the base model in {@code inputs}, or -1 if the base has no tensor here / none is set
 * @param globals    resolved global parameters (a name maps to null when it has no value)
 * @param precision  working dtype arithmetic
 * @param seed       merge seed for randomized sparsifiers
 */
public record MergeRequest(String tensorName, boolean isEmbed, List<TensorInput> inputs, int baseIndex,
                           Map<String, Double> globals, Precision precision, long seed) {

    public boolean hasBase() {
        return baseIndex >= 0;
    }

    public TensorInput base() {
        if (baseIndex < 0) {
            throw new UserInputException("tensor '" + tensorName + "': the merge method needs the base model's tensor,"
                    + " but the base model is not set or lacks it");
        }
        return inputs.get(baseIndex);
    }

    /** The inputs other than the base, in order. */
    public List<TensorInput> others() {
        List<TensorInput> others = new ArrayList<>(inputs);
        if (baseIndex >= 0) {
            others.remove(baseIndex);
        }
        return others;
    }

    public double global(String name) {
        Double value = globals.get(name);
        if (value == null) {
            throw new UserInputException("Missing required parameter " + name + " for tensor " + tensorName);
        }
        return value;
    }

    public boolean flag(String name) {
        return global(name) != 0.0;
    }
}

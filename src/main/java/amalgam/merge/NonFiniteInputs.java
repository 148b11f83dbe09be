package amalgam.merge;

import amalgam.UserInputException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a run does with NaN and infinities in its input weights. By default ({@link #REFUSE}) the first one found
 * is bad input naming model, tensor and position. With {@code --allow-nonfinite} ({@link #allowing()}) they pass
 * into the method as the references let them, and the tensors they were found in are remembered: a non-finite
 * value in the output of such a tensor came from the inputs and is not reported as produced by the method.
 */
public final class NonFiniteInputs {
    /** Refuses any non-finite input value; holds no state, so one instance serves every run. */
    public static final NonFiniteInputs REFUSE = new NonFiniteInputs(false);

    private final boolean allow;
    private final Set<String> tainted = ConcurrentHashMap.newKeySet();
    private volatile boolean taintedWhilePlanning;

    private NonFiniteInputs(boolean allow) {
        this.allow = allow;
    }

    /** A fresh tracker for one run that lets non-finite inputs through. */
    public static NonFiniteInputs allowing() {
        return new NonFiniteInputs(true);
    }

    public static NonFiniteInputs of(boolean allow) {
        return allow ? allowing() : REFUSE;
    }

    public boolean allows() {
        return allow;
    }

    /**
     * Reports a non-finite value at {@code index} of {@code model}'s tensor: bad input unless allowed, else
     * remembered for the tensor.
     */
    public void found(String model, String tensor, long index, float value) {
        if (!allow) {
            throw new UserInputException("model '" + model + "', tensor '" + tensor + "': element " + index + " is "
                    + value + "; input weights must be finite (--allow-nonfinite merges them as the reference would)");
        }
        tainted.add(tensor);
    }

    /**
     * Called once the plan is built: methods with global statistics read every input while planning, so a
     * non-finite input seen then may reach any output tensor.
     */
    public void planned() {
        taintedWhilePlanning = !tainted.isEmpty();
    }

    /** Whether non-finite values in output tensor {@code tensor} may have come from the inputs. */
    public boolean mayReach(String tensor) {
        return allow && (taintedWhilePlanning || tainted.contains(tensor));
    }
}

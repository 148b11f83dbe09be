package amalgam.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.tensor.Tensor;
import org.junit.jupiter.api.Assertions;

/**
 * The tests' one comparison of a computed tensor with an expected one: the relative error
 * {@code ‖actual − expected‖₂ / ‖expected‖₂} over all elements, accumulated in double (the absolute error
 * {@code ‖actual − expected‖₂} when the expected tensor is all zeros). Callers state the tolerance and why at
 * the call site: it depends on the dtype and on the method, not on this helper.
 */
public final class RelativeError {
    private RelativeError() {
    }

    /** The relative error of {@code actual} against {@code expected}, which must have the same element count. */
    public static double of(Tensor expected, Tensor actual) {
        assertEquals(expected.elementCount(), actual.elementCount(), "element count");
        double difference = 0;
        double norm = 0;
        for (long i = 0; i < expected.elementCount(); i++) {
            double e = expected.getFloat(i);
            double d = actual.getFloat(i) - e;
            difference += d * d;
            norm += e * e;
        }
        return norm == 0 ? Math.sqrt(difference) : Math.sqrt(difference / norm);
    }

    /** Fails unless the relative error of {@code actual} against {@code expected} is at most {@code tolerance}. */
    public static void assertAtMost(double tolerance, Tensor expected, Tensor actual, String what) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        double error = of(expected, actual);
        if (!(error <= tolerance)) {
            Assertions.fail(what + ": relative error " + error + " > " + tolerance);
        }
    }
}

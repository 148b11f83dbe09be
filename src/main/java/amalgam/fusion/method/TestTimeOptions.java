package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.param.MethodParameters;

/** The option checks the test-time methods share (AdaMerging, Concrete subspace): one place for each refusal. */
final class TestTimeOptions {
    private TestTimeOptions() {
    }

    /** FusionBench's test-time methods offer one optimizer. */
    static void requireAdam(MethodParameters parameters) {
        if (!"adam".equals(parameters.getString("optimizer"))) {
            throw new UserInputException("parameter 'optimizer' of method '" + parameters.method() + "': unknown '"
                    + parameters.getString("optimizer") + "'; valid: adam");
        }
    }

    /**
     * Whether a Concrete method's final mask is discrete ({@code eval_mask_type}), after refusing a
     * {@code mask_checkpoint} (loading a saved mask is not supported).
     */
    static boolean discreteEvalMask(MethodParameters parameters) {
        String method = parameters.method();
        String maskType = parameters.getString("eval_mask_type");
        if (!maskType.equals("continuous") && !maskType.equals("discrete")) {
            throw new UserInputException("parameter 'eval_mask_type' of method '" + method + "': unknown '" + maskType
                    + "'; valid: continuous, discrete");
        }
        if (parameters.get("mask_checkpoint") != null) {
            throw new UserInputException("parameter 'mask_checkpoint' of method '" + method + "': loading a saved mask is not"
                    + " supported; valid: null");
        }
        return maskType.equals("discrete");
    }
}

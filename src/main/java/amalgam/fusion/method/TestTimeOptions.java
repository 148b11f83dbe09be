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

    /** A Concrete method's saved mask logits to start from ({@code mask_checkpoint}), or null to learn them. */
    static java.nio.file.Path maskCheckpoint(MethodParameters parameters) {
        Object file = parameters.get("mask_checkpoint");
        return file == null ? null : java.nio.file.Path.of(String.valueOf(file));
    }

    /** Whether a Concrete method's final mask is discrete ({@code eval_mask_type}). */
    static boolean discreteEvalMask(MethodParameters parameters) {
        String method = parameters.method();
        String maskType = parameters.getString("eval_mask_type");
        if (!maskType.equals("continuous") && !maskType.equals("discrete")) {
            throw new UserInputException("parameter 'eval_mask_type' of method '" + method + "': unknown '" + maskType
                    + "'; valid: continuous, discrete");
        }
        return maskType.equals("discrete");
    }
}

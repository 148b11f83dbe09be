package amalgam.fusion;

/**
 * What a continual run keeps of the model after every step, as FusionBench's {@code save_on_every_step} and
 * {@code evaluate_on_every_step} (both on by default there): saved beside the final model when the run saves, and
 * evaluated on the task pool when the run has one.
 */
public record StepOutputs(boolean save, boolean evaluate) {
    public static final StepOutputs FINAL_ONLY = new StepOutputs(false, false);

    /** What of this a run keeps that saves ({@code saving}) and evaluates ({@code evaluating}) or not. */
    public StepOutputs within(boolean saving, boolean evaluating) {
        return new StepOutputs(save && saving, evaluate && evaluating);
    }

    /** Whether the run needs the model after every step. */
    public boolean any() {
        return save || evaluate;
    }
}

package amalgam.mergekit.plan;

import amalgam.tensor.DType;

/**
 * mergekit command-line choices that change what is planned.
 *
 * @param allowCrimes    {@code --allow-crimes}: merge models whose known architectures differ, as the first model's
 * @param loraMergeDType {@code --lora-merge-dtype}: the dtype a LoRA-adapted model's tensors are stored in, or null
 *                       for each base tensor's own dtype
 * @param allowNonFinite {@code --allow-nonfinite}: merge NaN and infinities in input weights as mergekit would,
 *                       instead of refusing them
 */
public record PlanOptions(boolean allowCrimes, DType loraMergeDType, boolean allowNonFinite) {
    public static final PlanOptions DEFAULTS = new PlanOptions(false, null, false);

    /** From the command line: {@code loraMergeDType} is a mergekit dtype name ({@code bfloat16}, ...) or null. */
    public static PlanOptions of(boolean allowCrimes, String loraMergeDType) {
        return new PlanOptions(allowCrimes, loraMergeDType == null ? null : MergekitDTypes.parse(loraMergeDType, "--lora-merge-dtype"),
                false);
    }

    public PlanOptions withAllowNonFinite(boolean allow) {
        return new PlanOptions(allowCrimes, loraMergeDType, allow);
    }
}

package amalgam.mergekit.method;

import java.util.List;

/**
 * A mergekit merge method as a declaration: its registry name, a reference (paper or mergekit's documentation), its
 * parameters with defaults, domains and descriptions, how input shapes are aligned, and a pure per-tensor function.
 * Statistics (norms, quantiles, top-k) are computed over the one tensor being merged.
 *
 * @param name              registry name as written in {@code merge_method}
 * @param reference         where the method is defined (a paper, or mergekit's documentation)
 * @param globalParameters  parameters with one value per tensor, evaluated against the output tensor name
 * @param tensorParameters  parameters with one value per model per tensor, evaluated against that model's input
 *                          tensor name
 * @param shapeRule         how differently shaped inputs are reconciled before merging (spec 2.3)
 * @param requiresBaseModel whether planning must fail without a base model
 * @param loneInput         which lone input tensor is copied unchanged instead of merged
 * @param function          the per-tensor merge, called when {@code loneInput} does not apply
 */
public record MergeMethod(String name, String reference, List<MergekitParameter> globalParameters,
                          List<MergekitParameter> tensorParameters, ShapeRule shapeRule, boolean requiresBaseModel,
                          LoneInput loneInput, TensorMerge function) {
    /** The pure per-tensor function of a method: no I/O, no state. */
    @FunctionalInterface
    public interface TensorMerge {
        MergedTensor merge(MergeRequest request);
    }

    public MergeMethod {
        globalParameters = List.copyOf(globalParameters);
        tensorParameters = List.copyOf(tensorParameters);
    }

    /** The merged tensor: a copy of the lone input where {@link #loneInput} says so, else the method's function. */
    public MergedTensor merge(MergeRequest request) {
        if (loneInput.applies(request)) {
            TensorInput only = request.inputs().getFirst();
            return new MergedTensor(only.shape(), only.values().clone());
        }
        return function.merge(request);
    }
}

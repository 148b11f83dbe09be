package amalgam.mergekit.method;

import java.util.List;

/**
 * A merge method: a declaration (name, parameters with defaults, how input shapes are aligned) and a pure
 * per-tensor function. Statistics (norms, quantiles, top-k) are computed over the one tensor being merged.
 */
public interface MergeMethod {
    /** Registry name as written in {@code merge_method}. */
    String name();

    /** Parameters with one value per tensor, evaluated against the output tensor name. */
    List<ParameterSpec> globalParameters();

    /** Parameters with one value per model per tensor, evaluated against that model's input tensor name. */
    List<ParameterSpec> tensorParameters();

    /** How differently shaped inputs are reconciled before {@link #merge} (spec 2.3). */
    ShapeRule shapeRule();

    /** Whether planning must fail without a base model. */
    default boolean requiresBaseModel() {
        return false;
    }

    MergedTensor merge(MergeRequest request);
}

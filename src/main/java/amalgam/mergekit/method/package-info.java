/**
 * mergekit's merge methods as pure per-tensor functions: each is a {@link amalgam.mergekit.method.MergeMethod}
 * declaring its name, global and per-model parameters with mergekit's defaults, and
 * {@code merge(request) -> tensor}. Inputs arrive aligned (see {@link amalgam.mergekit.method.ShapeRule}), in
 * float32 rounded to the working dtype. The registry lists the built-ins in one place.
 */
package amalgam.mergekit.method;

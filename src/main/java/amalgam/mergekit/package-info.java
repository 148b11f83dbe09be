/**
 * The mergekit dialect: {@code mergekit-yaml} configurations ({@link amalgam.mergekit.config}), the per-tensor merge
 * methods with mergekit's defaults and quirks ({@link amalgam.mergekit.method}), architecture knowledge
 * ({@link amalgam.mergekit.arch}) and the planner that turns a config into {@link amalgam.merge.TensorJob}s
 * ({@link amalgam.mergekit.plan}). Nothing here writes files: the merge engine executes the plan.
 */
package amalgam.mergekit;

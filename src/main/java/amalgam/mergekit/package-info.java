/**
 * The mergekit dialect: {@code mergekit-yaml} configurations ({@link amalgam.mergekit.config}), the per-tensor merge
 * methods with mergekit's defaults and quirks ({@link amalgam.mergekit.method}), architecture knowledge
 * ({@link amalgam.mergekit.arch}) and the planner that turns a config into {@link amalgam.merge.TensorJob}s
 * ({@link amalgam.mergekit.plan}), and the program that runs a merge ({@link amalgam.mergekit.MergekitRun}: config →
 * plan → claimed output → engine → publish). Only the program writes files, through the merge engine and
 * {@link amalgam.io.OutputDirectory}.
 */
package amalgam.mergekit;

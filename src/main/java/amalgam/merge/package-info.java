/**
 * The streaming merge engine: a plan of per-tensor {@link amalgam.merge.TensorJob}s executed in parallel under a
 * memory budget and written, in plan order, to an atomically published output checkpoint. The two dialects
 * (FusionBench's {@code run}, mergekit's {@code merge}) only build plans; this package executes them.
 */
package amalgam.merge;

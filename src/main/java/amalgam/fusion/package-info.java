/**
 * FusionBench-dialect model fusion: the model pool, the method declarations (names, parameters, defaults) and
 * their registry, and the algorithms that turn a pool into per-tensor {@link amalgam.merge.TensorJob}s.
 */
package amalgam.fusion;

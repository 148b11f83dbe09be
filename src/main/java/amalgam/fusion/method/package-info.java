/**
 * FusionBench's methods, one class per method (or per family): a {@code DECLARATION} (config name, aliases,
 * parameters with FusionBench's defaults) and the computation, each documented with its formula. Most are data-free
 * per-tensor merges; ensembles combine whole models; AdaMerging and Concrete subspace learning train at test time
 * through {@link amalgam.fusion.tta}.
 */
package amalgam.fusion.method;

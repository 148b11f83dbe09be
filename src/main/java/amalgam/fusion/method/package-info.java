/**
 * FusionBench's data-free merging methods, one class per method: a {@code DECLARATION} (config name, aliases,
 * parameters with FusionBench's defaults) and the per-tensor computation, each documented with its formula.
 */
package amalgam.fusion.method;

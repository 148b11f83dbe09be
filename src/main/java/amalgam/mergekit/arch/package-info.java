/**
 * Architecture knowledge as data: which tensors a model has (pre-weights, per-layer templates, post-weights),
 * which are embeddings, optional or tied, and where the layer count lives in {@code config.json}. Unknown
 * architectures are inferred from tensor names.
 */
package amalgam.mergekit.arch;

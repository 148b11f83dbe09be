/**
 * Turns a parsed mergekit config into an ordered list of {@link amalgam.merge.TensorJob}s plus what the engine
 * needs for the side files (donor directory for config.json and tokenizer, torch_dtype, layer count, config text).
 */
package amalgam.mergekit.plan;

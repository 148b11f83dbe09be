/**
 * Architecture knowledge as data: which tensors a model has (pre-weights, per-layer templates, post-weights), which
 * are embeddings, optional or tied, and where the layer count lives in {@code config.json}. Unknown architectures are
 * inferred from tensor names ({@link amalgam.mergekit.arch.Architecture#infer}).
 *
 * <h2>Definitions</h2>
 * Known families are JSON resources, one file per family under {@code src/main/resources/amalgam/architectures/},
 * each listed on a line of that folder's {@code index} file; adding a family is adding a file and a line, no code.
 * The format is the single-module subset of mergekit's {@code mergekit/_data/architectures/*.json}:
 * <pre>{@code
 * {
 *   "model_type": "llama",                          // the family's name (messages)
 *   "architectures": ["LlamaForCausalLM"],          // config.json architectures[0] classes it describes
 *   "pre_weights": [{"name": "model.embed_tokens.weight", "is_embed": true}],
 *   "num_layers_config_key": "num_hidden_layers",   // config.json key holding the layer count
 *   "layer_templates": {"weights": [
 *     {"name": "model.layers.${layer_index}.input_layernorm.weight"}, ...]},
 *   "post_weights": [{"name": "model.norm.weight"},
 *     {"name": "lm_head.weight", "is_embed": true, "optional": true, "tied_names": ["model.embed_tokens.weight"]}]
 * }
 * }</pre>
 * A weight has {@code name} and optionally {@code is_embed} (indexed by vocabulary), {@code optional} (a model may
 * lack it), {@code aliases} (other stored names) and {@code tied_names} (read when it is absent); {@code name},
 * aliases and tied names may contain {@code ${layer_index}}, replaced by each layer's index. mergekit's
 * {@code input_space}, {@code output_space}, {@code head_split} and {@code is_kq} are accepted and ignored; any other
 * key, another {@code ${...}} variable, or a class declared by two files is an error when the definitions load. Order
 * matters: tensors are planned in the order the file lists them. Two families with the same weights (Llama, Mistral)
 * merge with each other without {@code --allow-crimes}.
 */
package amalgam.mergekit.arch;

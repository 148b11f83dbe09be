/**
 * Causal language models as functional forwards on the neural engine, exact to Hugging Face transformers in float32:
 * the Llama family ({@code LlamaForCausalLM}, {@code MistralForCausalLM}, {@code Qwen2ForCausalLM}:
 * {@link amalgam.model.lm.DecoderModel}) and GPT-2 ({@code GPT2LMHeadModel}, {@code GPT2ForSequenceClassification}:
 * {@link amalgam.model.lm.Gpt2Model}). A typed config is read from {@code config.json} ({@link amalgam.model.lm.LmConfig});
 * weights are read by their Hugging Face names through {@link amalgam.nn.Parameters}, so a merged or λ-parameterised
 * model runs (and differentiates) without copies. {@link amalgam.model.lm.LmForward} is the whole forward behind
 * {@code amalgam debug lm-forward}.
 */
package amalgam.model.lm;

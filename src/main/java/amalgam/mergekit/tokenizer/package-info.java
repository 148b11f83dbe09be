/**
 * Merged vocabularies (mergekit's {@code tokenizer_source} / {@code tokenizer:}): Hugging Face {@code tokenizer.json}
 * files read and written ({@link amalgam.mergekit.tokenizer.TokenizerJson}), the output vocabulary built from the
 * input models' tokenizers ({@link amalgam.mergekit.tokenizer.VocabularyBuilder}), the per-tensor plan that
 * re-indexes embedding rows to it ({@link amalgam.mergekit.tokenizer.EmbeddingRowPlan}) and the tokenizer files of
 * the merged model ({@link amalgam.mergekit.tokenizer.TokenizerFiles}). Nothing here reads tensors from disk.
 */
package amalgam.mergekit.tokenizer;

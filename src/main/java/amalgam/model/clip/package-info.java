/**
 * CLIP text side helpers: the Hugging Face {@code CLIPTokenizer} (byte-level BPE with {@code </w>} word ends,
 * {@link amalgam.model.clip.ClipTokenizer}) and the zero-shot prompt templates of the image-classification
 * task pools ({@link amalgam.model.clip.ZeroShotTemplates}). The functional towers are
 * {@link amalgam.model.clip.ClipModel}; the evaluation forward that task pools run (chunks of a batch in parallel
 * single-threaded lanes, bounded memory) is {@link amalgam.model.clip.ClipImageEncoder}.
 */
package amalgam.model.clip;

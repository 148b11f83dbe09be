/**
 * CLIP text side helpers: the Hugging Face {@code CLIPTokenizer} (byte-level BPE with {@code </w>} word ends,
 * {@link amalgam.model.clip.ClipTokenizer}) and the zero-shot prompt templates of the image-classification
 * task pools ({@link amalgam.model.clip.ZeroShotTemplates}).
 */
package amalgam.model.clip;

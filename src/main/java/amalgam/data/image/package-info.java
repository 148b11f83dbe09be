/**
 * Image input for vision models: decoding PNG and JPEG files to 8-bit RGB with Pillow's
 * {@code convert("RGB")} semantics ({@link amalgam.data.image.ImageDecoder}), Pillow's fixed-point
 * resampling on 8-bit images ({@link amalgam.data.image.PillowResize}) and the Hugging Face (slow, PIL-based)
 * CLIP image processor ({@link amalgam.data.image.ClipImageProcessor}).
 */
package amalgam.data.image;

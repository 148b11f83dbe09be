package amalgam.data.image;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * CLIP's rescale and normalize for images that already have the model's size: {@code (x / 255 − mean_c) / std_c}
 * in float32, laid out channel-major (CHW), as {@link ClipImageProcessor} produces after its resize and crop.
 *
 * @param mean per-channel mean (RGB)
 * @param std  per-channel standard deviation (RGB)
 */
public record PixelNormalization(float[] mean, float[] std) {
    /** OpenAI CLIP's statistics (Hugging Face's {@code OPENAI_CLIP_MEAN} / {@code OPENAI_CLIP_STD}). */
    public static final PixelNormalization CLIP = new PixelNormalization(new float[] {0.48145466f, 0.4578275f, 0.40821073f},
            new float[] {0.26862954f, 0.26130258f, 0.27577711f});

    public PixelNormalization {
        if (mean.length != RgbImage.CHANNELS || std.length != RgbImage.CHANNELS) {
            throw new IllegalArgumentException("mean and std need one value per RGB channel");
        }
        mean = mean.clone();
        std = std.clone();
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** The image as CHW float32 values. */
    public float[] toChw(RgbImage image) {
        int height = image.height();
        int width = image.width();
        float[] values = new float[RgbImage.CHANNELS * height * width];
        for (int c = 0; c < RgbImage.CHANNELS; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float scaled = (float) (image.sample(y, x, c) / 255.0);
                    values[(c * height + y) * width + x] = (scaled - mean[c]) / std[c];
                }
            }
        }
        return values;
    }

    /** Writes {@link #toChw} into an F32 segment starting at float index {@code offset}. */
    public void writeChw(RgbImage image, MemorySegment target, long offset) {
        float[] values = toChw(image);
        MemorySegment.copy(values, 0, target, Layouts.F32, offset * Float.BYTES, values.length);
    }
}

package amalgam.data.image;

/**
 * Pillow's separable convolution resize of 8-bit images ({@code Image.resize((w, h), filter)} without a box
 * or reducing gap), reproduced bit for bit.
 *
 * <p>For each axis with {@code in -> out} samples: {@code scale = in / out}, {@code fs = max(scale, 1)},
 * {@code support = filter.support * fs}. Output sample {@code i} has {@code center = (i + 0.5) * scale},
 * reads input samples {@code [xmin, xmax)} with {@code xmin = max((int) (center - support + 0.5), 0)} and
 * {@code xmax = min((int) (center + support + 0.5), in)}, with weights
 * {@code filter((x - center + 0.5) / fs)} normalised to sum 1 and then rounded to 22-bit fixed point
 * ({@code (int) (w * 2^22 + 0.5)}, or {@code - 0.5} for negative weights). A value is
 * {@code clip8((2^21 + sum(p * k)) >> 22)}. The horizontal pass runs first and is stored as 8-bit; the
 * vertical pass reads that; a pass whose size does not change is skipped.
 */
public final class PillowResize {
    /** Bits of the fixed-point weights for 8-bit images ({@code 32 - 8 - 2}). */
    static final int PRECISION_BITS = 22;

    private PillowResize() {
    }

    /**
     * One axis's resampling plan: for output {@code i}, input samples {@code bounds[2i] ..
     * bounds[2i] + bounds[2i + 1] - 1} with fixed-point weights {@code weights[i * kernelSize ..]}.
     */
    record Coefficients(int kernelSize, int[] bounds, int[] weights) {
        int start(int i) {
            return bounds[2 * i];
        }

        int count(int i) {
            return bounds[2 * i + 1];
        }

        int weight(int i, int k) {
            return weights[i * kernelSize + k];
        }
    }

    /** Resizes an RGB image to {@code width x height}. */
    public static RgbImage resize(RgbImage image, int width, int height, ResampleFilter filter) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        RgbImage current = image;
        if (width != image.width()) {
            current = horizontal(current, width, coefficients(current.width(), width, filter));
        }
        if (height != image.height()) {
            current = vertical(current, height, coefficients(current.height(), height, filter));
        }
        return current;
    }

    /** The real-valued weights (normalised to sum 1) before fixed-point rounding, per output sample. */
    static double[][] floatWeights(int inSize, int outSize, ResampleFilter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        double inverse = 1.0 / filterScale;
        double[][] result = new double[outSize][];
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double[] k = new double[Math.max(xmax, 0)];
            double sum = 0.0;
            for (int x = 0; x < k.length; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * inverse);
                k[x] = w;
                sum += w;
            }
            if (sum != 0.0) {
                for (int x = 0; x < k.length; x++) {
                    k[x] /= sum;
                }
            }
            result[i] = k;
        }
        return result;
    }

    /** Fixed-point coefficients for resampling {@code inSize} samples to {@code outSize}. */
    static Coefficients coefficients(int inSize, int outSize, ResampleFilter filter) {
        double scale = (double) inSize / outSize;
        double support = filter.support() * Math.max(scale, 1.0);
        int kernelSize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[2 * outSize];
        int[] weights = new int[outSize * kernelSize];
        double[][] real = floatWeights(inSize, outSize, filter);
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale;
            bounds[2 * i] = Math.max((int) (center - support + 0.5), 0);
            bounds[2 * i + 1] = real[i].length;
            for (int x = 0; x < real[i].length; x++) {
                double w = real[i][x] * (1 << PRECISION_BITS);
                weights[i * kernelSize + x] = (int) (w < 0 ? w - 0.5 : w + 0.5);
            }
        }
        return new Coefficients(kernelSize, bounds, weights);
    }

    private static RgbImage horizontal(RgbImage in, int outWidth, Coefficients coefficients) {
        int height = in.height();
        int inWidth = in.width();
        byte[] src = in.pixels();
        byte[] dst = new byte[height * outWidth * RgbImage.CHANNELS];
        for (int y = 0; y < height; y++) {
            int rowIn = y * inWidth * RgbImage.CHANNELS;
            int rowOut = y * outWidth * RgbImage.CHANNELS;
            for (int x = 0; x < outWidth; x++) {
                int start = coefficients.start(x);
                int count = coefficients.count(x);
                for (int c = 0; c < RgbImage.CHANNELS; c++) {
                    int sum = 1 << (PRECISION_BITS - 1);
                    for (int k = 0; k < count; k++) {
                        sum += (src[rowIn + (start + k) * RgbImage.CHANNELS + c] & 0xFF) * coefficients.weight(x, k);
                    }
                    dst[rowOut + x * RgbImage.CHANNELS + c] = (byte) clip8(sum);
                }
            }
        }
        return new RgbImage(outWidth, height, dst);
    }

    private static RgbImage vertical(RgbImage in, int outHeight, Coefficients coefficients) {
        int width = in.width();
        int stride = width * RgbImage.CHANNELS;
        byte[] src = in.pixels();
        byte[] dst = new byte[outHeight * stride];
        for (int y = 0; y < outHeight; y++) {
            int start = coefficients.start(y);
            int count = coefficients.count(y);
            for (int i = 0; i < stride; i++) {
                int sum = 1 << (PRECISION_BITS - 1);
                for (int k = 0; k < count; k++) {
                    sum += (src[(start + k) * stride + i] & 0xFF) * coefficients.weight(y, k);
                }
                dst[y * stride + i] = (byte) clip8(sum);
            }
        }
        return new RgbImage(width, outHeight, dst);
    }

    /** {@code clamp(sum >> 22, 0, 255)}, with an arithmetic shift as in C on a signed int. */
    static int clip8(int sum) {
        int value = sum >> PRECISION_BITS;
        return value < 0 ? 0 : Math.min(value, 255);
    }
}

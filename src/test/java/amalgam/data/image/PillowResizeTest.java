package amalgam.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Hand-computed cases of Pillow's bicubic (a = -0.5) coefficients and 8-bit passes. */
class PillowResizeTest {
    private static final double EXACT = 1e-12;

    /**
     * 4 -> 2: scale 2, support 4. Output 0 has center 1 and reads x = 0..3 at filter arguments -0.25, 0.25,
     * 0.75, 1.25: cubic values 0.8671875, 0.8671875, 0.2265625, -0.0703125 (= 222, 222, 58, -18 / 256), sum
     * 1.890625, so the normalised weights are 111, 111, 29, -9 / 242. Output 1 mirrors them.
     */
    @Test
    void downscaleWeights() {
        double[][] weights = PillowResize.floatWeights(4, 2, ResampleFilter.BICUBIC);
        assertArrayEquals(new double[] {111 / 242.0, 111 / 242.0, 29 / 242.0, -9 / 242.0}, weights[0], EXACT);
        assertArrayEquals(new double[] {-9 / 242.0, 29 / 242.0, 111 / 242.0, 111 / 242.0}, weights[1], EXACT);
        PillowResize.Coefficients fixed = PillowResize.coefficients(4, 2, ResampleFilter.BICUBIC);
        assertEquals(9, fixed.kernelSize());
        // round(111/242 * 2^22) = 1923834.1 -> 1923834; 29/242 -> 502623.2 -> 502623; -9/242 -> -155986.6 -> -155987.
        assertEquals(1923834, fixed.weight(0, 0));
        assertEquals(502623, fixed.weight(0, 2));
        assertEquals(-155987, fixed.weight(0, 3));
        assertEquals(0, fixed.start(1));
        assertEquals(4, fixed.count(1));
    }

    /**
     * 2 -> 4: scale 0.5, support 2. Centers 0.25, 0.75, 1.25, 1.75 read both inputs at arguments
     * (0.25, 1.25), (-0.25, 0.75), (-0.75, 0.25), (-1.25, -0.25): normalised weights (111, -9)/102,
     * (111, 29)/140, (29, 111)/140, (-9, 111)/102.
     */
    @Test
    void upscaleWeights() {
        double[][] weights = PillowResize.floatWeights(2, 4, ResampleFilter.BICUBIC);
        assertArrayEquals(new double[] {111 / 102.0, -9 / 102.0}, weights[0], EXACT);
        assertArrayEquals(new double[] {111 / 140.0, 29 / 140.0}, weights[1], EXACT);
        assertArrayEquals(new double[] {29 / 140.0, 111 / 140.0}, weights[2], EXACT);
        assertArrayEquals(new double[] {-9 / 102.0, 111 / 102.0}, weights[3], EXACT);
    }

    /**
     * Pixels through the fixed-point passes. 4 -> 2 of (0, 100, 200, 255): 60.35 -> 60 and 220.68 -> 221.
     * 2 -> 4 of (0, 255): -7.5 clips to 0, 52.8 -> 53, 202.2 -> 202, 277.5 clips to 255.
     */
    @Test
    void horizontalPassRoundsAndClips() {
        assertArrayEquals(new int[] {60, 221}, resizeRow(new int[] {0, 100, 200, 255}, 2));
        assertArrayEquals(new int[] {0, 53, 202, 255}, resizeRow(new int[] {0, 255}, 4));
    }

    @Test
    void verticalPassMatchesTheHorizontalOneOnATransposedImage() {
        RgbImage column = image(1, 4, new int[] {0, 100, 200, 255});
        RgbImage resized = PillowResize.resize(column, 1, 2, ResampleFilter.BICUBIC);
        assertEquals(60, resized.sample(0, 0, 1));
        assertEquals(221, resized.sample(1, 0, 2));
    }

    /** Bilinear 4 -> 2: the triangle filter at scale 2 has support 2. */
    @Test
    void bilinearWeights() {
        double[][] weights = PillowResize.floatWeights(4, 2, ResampleFilter.BILINEAR);
        // Center 1, support 2: x in [0, 3); arguments (x - 0.5) / 2 = -0.25, 0.25, 0.75 -> 0.75, 0.75, 0.25.
        assertArrayEquals(new double[] {3 / 7.0, 3 / 7.0, 1 / 7.0}, weights[0], EXACT);
    }

    @Test
    void unchangedSizeIsTheIdentity() {
        RgbImage image = image(3, 2, new int[] {1, 2, 3, 4, 5, 6});
        assertArrayEquals(image.pixels(), PillowResize.resize(image, 3, 2, ResampleFilter.BICUBIC).pixels());
    }

    private static int[] resizeRow(int[] values, int outWidth) {
        RgbImage resized = PillowResize.resize(image(values.length, 1, values), outWidth, 1, ResampleFilter.BICUBIC);
        int[] out = new int[outWidth];
        for (int x = 0; x < outWidth; x++) {
            out[x] = resized.sample(0, x, 0);
            assertEquals(out[x], resized.sample(0, x, 2));
        }
        return out;
    }

    /** A grey image (R = G = B) from row-major values. */
    private static RgbImage image(int width, int height, int[] values) {
        byte[] pixels = new byte[width * height * 3];
        for (int i = 0; i < values.length; i++) {
            for (int c = 0; c < 3; c++) {
                pixels[3 * i + c] = (byte) values[i];
            }
        }
        return new RgbImage(width, height, pixels);
    }
}

package amalgam.data.image;

/**
 * An 8-bit RGB image: {@code pixels} holds {@code height * width * 3} unsigned bytes, row-major, channels
 * interleaved (HWC), as numpy sees a PIL {@code "RGB"} image. The array is owned by the record; callers must
 * not mutate it after construction.
 *
 * @param width  number of columns, at least 1
 * @param height number of rows, at least 1
 * @param pixels {@code [height, width, 3]} unsigned samples
 */
public record RgbImage(int width, int height, byte[] pixels) {
    /** Number of channels, always 3. */
    public static final int CHANNELS = 3;

    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (pixels.length != (long) width * height * CHANNELS) {
            throw new IllegalArgumentException(pixels.length + " samples for a " + width + "x" + height + " RGB image");
        }
    }

    /** The sample at row {@code y}, column {@code x}, channel {@code c}, as 0..255. */
    public int sample(int y, int x, int c) {
        return pixels[(y * width + x) * CHANNELS + c] & 0xFF;
    }
}

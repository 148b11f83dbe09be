package amalgam.data.mnist;

/**
 * One split of an MNIST-style dataset.
 *
 * @param images row-major 28x28 grayscale pixels, 0..255, one image after another
 * @param labels class ids
 */
public record MnistSplit(int height, int width, byte[] images, int[] labels) {
    public int size() {
        return labels.length;
    }

    /** Pixel (row, column) of image i, 0..255. */
    public int pixel(int image, int row, int column) {
        return images[(image * height + row) * width + column] & 0xFF;
    }
}

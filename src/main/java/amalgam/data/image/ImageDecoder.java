package amalgam.data.image;

import amalgam.UserInputException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes an image file (PNG, JPEG, anything {@code javax.imageio} reads) to 8-bit RGB the way Pillow's
 * {@code Image.open(path).convert("RGB")} does:
 * <ul>
 *   <li>grey becomes R = G = B; alpha is dropped, not composited (RGBA, grey + alpha);</li>
 *   <li>palette images are expanded through the palette; transparency is ignored;</li>
 *   <li>16-bit RGB(A) and grey + alpha samples keep their high byte ({@code >> 8}), as Pillow's
 *       {@code ;16B} unpackers do; 16-bit grey (Pillow mode {@code I;16}) is clipped to 255, as Pillow's
 *       {@code I;16 -> RGB} conversion does;</li>
 *   <li>1-, 2- and 4-bit grey is scaled to 0..255 ({@code v * 255 / (2^bits - 1)}).</li>
 * </ul>
 * Samples are read from the raster directly: {@link BufferedImage#getRGB} would apply a colour-space
 * conversion (grey images are linear-grey in Java 2D) and change the values. JPEG decoding itself is done
 * by the JDK's decoder, whose IDCT and chroma upsampling may differ from libjpeg's by one level on some
 * pixels.
 */
public final class ImageDecoder {
    /** Largest accepted pixel count (width * height), bounding the allocation. */
    public static final long MAX_PIXELS = 1L << 28;

    private ImageDecoder() {
    }

    /** Reads and decodes the file; unreadable, corrupt or unsupported files raise {@link UserInputException}. */
    public static RgbImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("image file '" + file + "' does not exist or is not a regular file");
        }
        BufferedImage image;
        try (InputStream in = Files.newInputStream(file); ImageInputStream stream = ImageIO.createImageInputStream(in)) {
            image = decode(stream, file);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserInputException user) {
                throw user;
            }
            throw new UserInputException("cannot decode image file '" + file + "': " + e.getMessage(), e);
        }
        try {
            return toRgb(image);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("image file '" + file + "': " + e.getMessage(), e);
        }
    }

    /**
     * Decodes an encoded image held in memory (a dataset row's PNG or JPEG bytes); {@code source} names it in errors,
     * e.g. {@code row 12 of 'test-00000-of-00001.parquet'}.
     */
    public static RgbImage decode(byte[] encoded, String source) {
        BufferedImage image;
        try (ImageInputStream stream = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(encoded))) {
            image = decode(stream, source);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserInputException user) {
                throw user;
            }
            throw new UserInputException("cannot decode image " + source + ": " + e.getMessage(), e);
        }
        try {
            return toRgb(image);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("image " + source + ": " + e.getMessage(), e);
        }
    }

    private static BufferedImage decode(ImageInputStream stream, Path file) throws IOException {
        return decode(stream, "file '" + file + "'");
    }

    private static BufferedImage decode(ImageInputStream stream, String source) throws IOException {
        if (stream == null) {
            throw new UserInputException("cannot open image " + source);
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
        if (!readers.hasNext()) {
            throw new UserInputException("image " + source + " is not in a recognised image format");
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(stream, true, true);
            long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
            if (pixels > MAX_PIXELS) {
                throw new UserInputException("image " + source + " is " + reader.getWidth(0) + "x"
                        + reader.getHeight(0) + ", more than " + MAX_PIXELS + " pixels");
            }
            return reader.read(0);
        } finally {
            reader.dispose();
        }
    }

    /**
     * Converts a decoded image to RGB from its raster samples (see the class comment for the rules).
     *
     * @throws IllegalArgumentException for colour models with other than 1 or 3 colour components (CMYK)
     */
    public static RgbImage toRgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel model = image.getColorModel();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(width, height), RgbImage.CHANNELS)];
        if (model instanceof IndexColorModel palette) {
            expandPalette(raster, palette, out);
            return new RgbImage(width, height, out);
        }
        int colours = model.getNumColorComponents();
        if (colours != 1 && colours != 3) {
            throw new IllegalArgumentException("unsupported colour model with " + colours
                    + " colour components (only grey, RGB and palette images are supported)");
        }
        int bits = model.getComponentSize(0);
        boolean clipInsteadOfShift = colours == 1 && !model.hasAlpha();
        int[] row = new int[width * raster.getNumBands()];
        int bands = raster.getNumBands();
        for (int y = 0; y < height; y++) {
            raster.getPixels(0, y, width, 1, row);
            for (int x = 0; x < width; x++) {
                int base = (y * width + x) * RgbImage.CHANNELS;
                for (int c = 0; c < RgbImage.CHANNELS; c++) {
                    int band = colours == 1 ? 0 : c;
                    out[base + c] = (byte) toEightBits(row[x * bands + band], bits, clipInsteadOfShift);
                }
            }
        }
        return new RgbImage(width, height, out);
    }

    private static void expandPalette(Raster raster, IndexColorModel palette, byte[] out) {
        int width = raster.getWidth();
        int[] row = new int[width];
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, width, 1, 0, row);
            for (int x = 0; x < width; x++) {
                int index = row[x];
                int base = (y * width + x) * RgbImage.CHANNELS;
                out[base] = (byte) palette.getRed(index);
                out[base + 1] = (byte) palette.getGreen(index);
                out[base + 2] = (byte) palette.getBlue(index);
            }
        }
    }

    /** Reduces one raw sample of the given bit depth to 0..255 as Pillow does. */
    static int toEightBits(int sample, int bits, boolean clipInsteadOfShift) {
        if (bits == 8) {
            return sample;
        }
        if (bits < 8) {
            return sample * 255 / ((1 << bits) - 1);
        }
        if (clipInsteadOfShift) {
            return Math.min(sample, 255);
        }
        return sample >>> (bits - 8);
    }
}

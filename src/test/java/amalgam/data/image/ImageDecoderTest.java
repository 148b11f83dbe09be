package amalgam.data.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
    @TempDir
    Path dir;

    /** getRGB would map grey 100 through the linear-grey colour space to a different sRGB value. */
    @Test
    void greyBecomesEqualChannelsWithoutColourConversion() throws IOException {
        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 100);
        grey.getRaster().setSample(1, 0, 0, 7);
        RgbImage image = ImageDecoder.read(write(grey, "png", "grey.png"));
        for (int c = 0; c < 3; c++) {
            assertEquals(100, image.sample(0, 0, c));
            assertEquals(7, image.sample(0, 1, c));
        }
    }

    @Test
    void alphaIsDroppedNotComposited() throws IOException {
        BufferedImage rgba = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        rgba.getRaster().setPixel(0, 0, new int[] {200, 100, 50, 0});
        RgbImage image = ImageDecoder.read(write(rgba, "png", "rgba.png"));
        assertEquals(200, image.sample(0, 0, 0));
        assertEquals(100, image.sample(0, 0, 1));
        assertEquals(50, image.sample(0, 0, 2));
    }

    @Test
    void paletteImagesAreExpanded() throws IOException {
        byte[] reds = {10, (byte) 250};
        byte[] greens = {20, (byte) 240};
        byte[] blues = {30, (byte) 230};
        IndexColorModel palette = new IndexColorModel(1, 2, reds, greens, blues);
        BufferedImage indexed = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, palette);
        indexed.getRaster().setSample(1, 0, 0, 1);
        RgbImage image = ImageDecoder.read(write(indexed, "png", "palette.png"));
        assertEquals(10, image.sample(0, 0, 0));
        assertEquals(30, image.sample(0, 0, 2));
        assertEquals(250, image.sample(0, 1, 0));
        assertEquals(240, image.sample(0, 1, 1));
    }

    /** 16-bit grey is Pillow mode I;16, whose conversion to RGB clips at 255. */
    @Test
    void sixteenBitGreyIsClippedAsPillowDoes() throws IOException {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster raster = grey.getRaster();
        raster.setSample(0, 0, 0, 200);
        raster.setSample(1, 0, 0, 256);
        raster.setSample(2, 0, 0, 0xABCD);
        RgbImage image = ImageDecoder.read(write(grey, "png", "grey16.png"));
        assertEquals(200, image.sample(0, 0, 0));
        assertEquals(255, image.sample(0, 1, 1));
        assertEquals(255, image.sample(0, 2, 2));
    }

    @Test
    void sampleReductionRules() {
        assertEquals(0xAB, ImageDecoder.toEightBits(0xABCD, 16, false));
        assertEquals(255, ImageDecoder.toEightBits(0xABCD, 16, true));
        assertEquals(255, ImageDecoder.toEightBits(1, 1, false));
        assertEquals(170, ImageDecoder.toEightBits(2, 2, false));
        assertEquals(17 * 9, ImageDecoder.toEightBits(9, 4, false));
    }

    @Test
    void jpegRgbDecodes() throws IOException {
        BufferedImage rgb = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                rgb.getRaster().setPixel(x, y, new int[] {200, 40, 40});
            }
        }
        RgbImage image = ImageDecoder.read(write(rgb, "jpg", "red.jpg"));
        // Lossy: a flat block survives within a few levels.
        assertTrue(Math.abs(image.sample(4, 4, 0) - 200) <= 4, "red " + image.sample(4, 4, 0));
        assertTrue(Math.abs(image.sample(4, 4, 1) - 40) <= 4, "green " + image.sample(4, 4, 1));
    }

    @Test
    void corruptOrMissingFilesNameTheFile() throws IOException {
        Path garbage = dir.resolve("garbage.png");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5});
        assertMentions(garbage, assertThrows(UserInputException.class, () -> ImageDecoder.read(garbage)));

        BufferedImage rgb = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        byte[] png = Files.readAllBytes(write(rgb, "png", "whole.png"));
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, java.util.Arrays.copyOf(png, png.length / 2));
        assertMentions(truncated, assertThrows(UserInputException.class, () -> ImageDecoder.read(truncated)));

        Path missing = dir.resolve("missing.png");
        assertMentions(missing, assertThrows(UserInputException.class, () -> ImageDecoder.read(missing)));
    }

    private static void assertMentions(Path file, UserInputException e) {
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    private Path write(BufferedImage image, String format, String name) throws IOException {
        Path file = dir.resolve(name);
        assertTrue(ImageIO.write(image, format, file.toFile()), "no writer for " + format);
        return file;
    }
}

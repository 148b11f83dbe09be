package amalgam.data.image;

import amalgam.UserInputException;
import amalgam.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * The Hugging Face <em>slow</em> {@code CLIPImageProcessor} (numpy + PIL): RGB conversion, resize, centre
 * crop, rescale, normalise, CHW layout.
 * <ol>
 *   <li>Resize ({@code do_resize}): with {@code shortest_edge = S} the short side becomes S and the long side
 *       {@code int(S * long / short)} (truncated); with {@code height, width} the image is resized to that.
 *       Pillow's 8-bit resampling ({@link PillowResize}).</li>
 *   <li>Centre crop ({@code do_center_crop}): {@code top = floor((H - ch) / 2)}, {@code left = floor((W - cw) /
 *       2)}; an image smaller than the crop is zero-padded (the padding before is {@code ceil(diff / 2)}).</li>
 *   <li>Rescale ({@code do_rescale}): {@code float32(float64(u8) * rescale_factor)}.</li>
 *   <li>Normalise ({@code do_normalize}): {@code (x - float32(mean_c)) / float32(std_c)} in float32.</li>
 * </ol>
 * Output per image: {@code [3, h, w]} float32, channel-major.
 */
public final class ClipImageProcessor {
    private final ClipImageProcessorConfig config;

    public ClipImageProcessor(ClipImageProcessorConfig config) {
        this.config = config;
    }

    /** A processor configured from {@code preprocessor_config.json}. */
    public static ClipImageProcessor fromFile(Path preprocessorConfig) {
        return new ClipImageProcessor(ClipImageProcessorConfig.read(preprocessorConfig));
    }

    public ClipImageProcessorConfig config() {
        return config;
    }

    /**
     * The size {@code [height, width]} an image of the given size has after the resize step (unchanged when
     * {@code do_resize} is false).
     */
    public int[] resizedSize(int height, int width) {
        if (!config.doResize()) {
            return new int[] {height, width};
        }
        if (config.shortestEdge() == 0) {
            return new int[] {config.resizeHeight(), config.resizeWidth()};
        }
        return shortestEdgeSize(height, width, config.shortestEdge());
    }

    /**
     * Hugging Face's {@code get_resize_output_image_size(default_to_square=False)}: the short side becomes
     * {@code shortest}, the long side {@code int(shortest * long / short)} in double precision, truncated.
     */
    public static int[] shortestEdgeSize(int height, int width, int shortest) {
        int shortSide = Math.min(height, width);
        int longSide = Math.max(height, width);
        int newLong = (int) ((double) shortest * longSide / shortSide);
        return width <= height ? new int[] {newLong, shortest} : new int[] {shortest, newLong};
    }

    /** The output {@code [height, width]} for an input of the given size. */
    public int[] outputSize(int height, int width) {
        if (config.doCenterCrop()) {
            return new int[] {config.cropHeight(), config.cropWidth()};
        }
        return resizedSize(height, width);
    }

    /** Resize and centre crop, the 8-bit steps. */
    public RgbImage resizeAndCrop(RgbImage image) {
        RgbImage current = image;
        int[] size = resizedSize(image.height(), image.width());
        if (size[0] != image.height() || size[1] != image.width()) {
            current = PillowResize.resize(current, size[1], size[0], config.resample());
        }
        if (config.doCenterCrop()) {
            current = centerCrop(current, config.cropHeight(), config.cropWidth());
        }
        return current;
    }

    /** Centre crop with floor offsets, zero-padding an image smaller than the crop. */
    public static RgbImage centerCrop(RgbImage image, int cropHeight, int cropWidth) {
        if (cropHeight == image.height() && cropWidth == image.width()) {
            return image;
        }
        int top = Math.floorDiv(image.height() - cropHeight, 2);
        int left = Math.floorDiv(image.width() - cropWidth, 2);
        byte[] out = new byte[cropHeight * cropWidth * RgbImage.CHANNELS];
        byte[] in = image.pixels();
        for (int y = 0; y < cropHeight; y++) {
            int sourceY = y + top;
            if (sourceY < 0 || sourceY >= image.height()) {
                continue;
            }
            for (int x = 0; x < cropWidth; x++) {
                int sourceX = x + left;
                if (sourceX < 0 || sourceX >= image.width()) {
                    continue;
                }
                System.arraycopy(in, (sourceY * image.width() + sourceX) * RgbImage.CHANNELS,
                        out, (y * cropWidth + x) * RgbImage.CHANNELS, RgbImage.CHANNELS);
            }
        }
        return new RgbImage(cropWidth, cropHeight, out);
    }

    /** The full pipeline for one decoded image: {@code [3, h, w]} float32 values, channel-major. */
    public float[] process(RgbImage image) {
        RgbImage cropped = resizeAndCrop(image);
        int height = cropped.height();
        int width = cropped.width();
        int plane = height * width;
        float[] out = new float[RgbImage.CHANNELS * plane];
        double factor = config.rescaleFactor();
        double[] meanValues = config.imageMean();
        double[] stdValues = config.imageStd();
        for (int c = 0; c < RgbImage.CHANNELS; c++) {
            float mean = (float) meanValues[c];
            float std = (float) stdValues[c];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float value = cropped.sample(y, x, c);
                    if (config.doRescale()) {
                        value = (float) (cropped.sample(y, x, c) * factor);
                    }
                    if (config.doNormalize()) {
                        value = (value - mean) / std;
                    }
                    out[c * plane + y * width + x] = value;
                }
            }
        }
        return out;
    }

    /** Decodes and processes one image file. */
    public float[] process(Path imageFile) {
        return process(ImageDecoder.read(imageFile));
    }

    /**
     * Decodes and processes a batch of image files into an F32 tensor {@code [N, 3, h, w]} (heap-backed).
     * All images must produce the same size, which holds whenever {@code do_center_crop} is on or the resize
     * is to a fixed height and width.
     */
    public Tensor processBatch(List<Path> imageFiles) {
        if (imageFiles.isEmpty()) {
            throw new UserInputException("no images to preprocess");
        }
        float[][] images = new float[imageFiles.size()][];
        int height = -1;
        int width = -1;
        for (int i = 0; i < images.length; i++) {
            RgbImage decoded = ImageDecoder.read(imageFiles.get(i));
            int[] size = outputSize(decoded.height(), decoded.width());
            if (i == 0) {
                height = size[0];
                width = size[1];
            } else if (size[0] != height || size[1] != width) {
                throw new UserInputException("image '" + imageFiles.get(i) + "' preprocesses to " + size[0] + "x"
                        + size[1] + " but '" + imageFiles.get(0) + "' to " + height + "x" + width
                        + "; enable do_center_crop or a fixed size to batch them");
            }
            images[i] = process(decoded);
        }
        int perImage = RgbImage.CHANNELS * height * width;
        float[] all = new float[Math.multiplyExact(images.length, perImage)];
        for (int i = 0; i < images.length; i++) {
            System.arraycopy(images[i], 0, all, i * perImage, perImage);
        }
        return Tensor.ofFloats(all, images.length, RgbImage.CHANNELS, height, width);
    }
}

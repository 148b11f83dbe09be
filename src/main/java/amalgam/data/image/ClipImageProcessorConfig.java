package amalgam.data.image;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The fields of a Hugging Face {@code CLIPImageProcessor} ({@code preprocessor_config.json}), with the
 * processor's defaults for missing keys. Keys this processor does not use (such as
 * {@code image_processor_type} or {@code processor_class}) are ignored, since the file is written by
 * other tools.
 *
 * @param doResize          {@code do_resize} (default true)
 * @param shortestEdge      {@code size.shortest_edge}, or 0 when {@code size} gives height and width
 *                          (default 224; an integer {@code size} means the shortest edge)
 * @param resizeHeight      {@code size.height} when {@code size} is a height/width pair, else 0
 * @param resizeWidth       {@code size.width} when {@code size} is a height/width pair, else 0
 * @param resample          {@code resample} as a Pillow filter (default 3, bicubic; 2, bilinear, is supported)
 * @param doCenterCrop      {@code do_center_crop} (default true)
 * @param cropHeight        {@code crop_size.height}, or the integer {@code crop_size} (default 224)
 * @param cropWidth         {@code crop_size.width}, or the integer {@code crop_size} (default 224)
 * @param doRescale         {@code do_rescale} (default true)
 * @param rescaleFactor     {@code rescale_factor} (default 1/255)
 * @param doNormalize       {@code do_normalize} (default true)
 * @param imageMean         {@code image_mean}, one per RGB channel (default OpenAI CLIP's)
 * @param imageStd          {@code image_std}, one per RGB channel, non-zero (default OpenAI CLIP's)
 * @param doConvertRgb      {@code do_convert_rgb} (default true); decoding always yields RGB
 */
public record ClipImageProcessorConfig(
        boolean doResize, int shortestEdge, int resizeHeight, int resizeWidth, ResampleFilter resample,
        boolean doCenterCrop, int cropHeight, int cropWidth, boolean doRescale, double rescaleFactor,
        boolean doNormalize, double[] imageMean, double[] imageStd, boolean doConvertRgb) {

    /** OpenAI CLIP's per-channel mean. */
    public static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** OpenAI CLIP's per-channel standard deviation. */
    public static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};
    /** Largest accepted size or crop edge, bounding allocations. */
    public static final int MAX_EDGE = 1 << 14;

    public ClipImageProcessorConfig {
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
    }

    /** A copy of the per-channel mean. */
    @Override
    public double[] imageMean() {
        return imageMean.clone();
    }

    /** A copy of the per-channel standard deviation. */
    @Override
    public double[] imageStd() {
        return imageStd.clone();
    }

    /** The defaults of {@code CLIPImageProcessor()} (224 shortest edge, bicubic, 224x224 crop). */
    public static ClipImageProcessorConfig defaults() {
        return fromJson(new ObjectMapper().createObjectNode(), "<defaults>");
    }

    /** Reads {@code preprocessor_config.json}; malformed JSON or bad values raise {@link UserInputException}. */
    public static ClipImageProcessorConfig read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(ConfigFiles.readText(file, "image processor config"));
        } catch (IOException e) {
            throw new UserInputException("cannot read image processor config '" + file + "': " + e.getMessage(), e);
        }
        return fromJson(root, file.toString());
    }

    /** Builds the config from a parsed JSON object; {@code source} names it in error messages. */
    public static ClipImageProcessorConfig fromJson(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new UserInputException("image processor config '" + source + "' is not a JSON object");
        }
        JsonFields fields = new JsonFields(root, source);
        int shortest = 224;
        int height = 0;
        int width = 0;
        JsonNode size = root.get("size");
        if (size != null && !size.isNull()) {
            if (size.isIntegralNumber()) {
                shortest = fields.edge(size, "size");
            } else if (size.isObject() && size.has("shortest_edge")) {
                shortest = fields.edge(size.get("shortest_edge"), "size.shortest_edge");
            } else if (size.isObject() && size.has("height") && size.has("width")) {
                shortest = 0;
                height = fields.edge(size.get("height"), "size.height");
                width = fields.edge(size.get("width"), "size.width");
            } else {
                throw new UserInputException("image processor config '" + source
                        + "': key 'size' must be an integer, {shortest_edge} or {height, width}, got " + size);
            }
        }
        int cropHeight = 224;
        int cropWidth = 224;
        JsonNode crop = root.get("crop_size");
        if (crop != null && !crop.isNull()) {
            if (crop.isIntegralNumber()) {
                cropHeight = fields.edge(crop, "crop_size");
                cropWidth = cropHeight;
            } else if (crop.isObject() && crop.has("height") && crop.has("width")) {
                cropHeight = fields.edge(crop.get("height"), "crop_size.height");
                cropWidth = fields.edge(crop.get("width"), "crop_size.width");
            } else {
                throw new UserInputException("image processor config '" + source
                        + "': key 'crop_size' must be an integer or {height, width}, got " + crop);
            }
        }
        int resampleCode = fields.integer("resample", ResampleFilter.BICUBIC.pillowCode());
        ResampleFilter resample = ResampleFilter.fromPillowCode(resampleCode);
        if (resample == null) {
            throw new UserInputException("image processor config '" + source + "': key 'resample' is "
                    + resampleCode + "; supported are 2 (bilinear) and 3 (bicubic)");
        }
        double factor = fields.number("rescale_factor", 1.0 / 255.0);
        if (!Double.isFinite(factor)) {
            throw new UserInputException("image processor config '" + source + "': key 'rescale_factor' must be finite");
        }
        double[] std = fields.triple("image_std", OPENAI_CLIP_STD);
        for (double s : std) {
            if (s == 0.0 || !Double.isFinite(s)) {
                throw new UserInputException("image processor config '" + source
                        + "': key 'image_std' must hold finite non-zero values, got " + root.get("image_std"));
            }
        }
        return new ClipImageProcessorConfig(
                fields.bool("do_resize", true), shortest, height, width, resample,
                fields.bool("do_center_crop", true), cropHeight, cropWidth,
                fields.bool("do_rescale", true), factor,
                fields.bool("do_normalize", true), fields.triple("image_mean", OPENAI_CLIP_MEAN), std,
                fields.bool("do_convert_rgb", true));
    }

    /** Typed access to the JSON keys with messages that name the key. */
    private record JsonFields(JsonNode root, String source) {
        private UserInputException bad(String key, String expected, JsonNode value) {
            return new UserInputException("image processor config '" + source + "': key '" + key + "' must be "
                    + expected + ", got " + value);
        }

        boolean bool(String key, boolean fallback) {
            JsonNode value = root.get(key);
            if (value == null || value.isNull()) {
                return fallback;
            }
            if (!value.isBoolean()) {
                throw bad(key, "a boolean", value);
            }
            return value.booleanValue();
        }

        int integer(String key, int fallback) {
            JsonNode value = root.get(key);
            if (value == null || value.isNull()) {
                return fallback;
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw bad(key, "an integer", value);
            }
            return value.intValue();
        }

        double number(String key, double fallback) {
            JsonNode value = root.get(key);
            if (value == null || value.isNull()) {
                return fallback;
            }
            if (!value.isNumber()) {
                throw bad(key, "a number", value);
            }
            return value.doubleValue();
        }

        int edge(JsonNode value, String key) {
            if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()
                    || value.intValue() < 1 || value.intValue() > MAX_EDGE) {
                throw bad(key, "an integer in [1, " + MAX_EDGE + "]", value);
            }
            return value.intValue();
        }

        double[] triple(String key, double[] fallback) {
            JsonNode value = root.get(key);
            if (value == null || value.isNull()) {
                return fallback.clone();
            }
            if (value.isNumber()) {
                return new double[] {value.doubleValue(), value.doubleValue(), value.doubleValue()};
            }
            if (!value.isArray() || value.size() != 3) {
                throw bad(key, "a number or a list of 3 numbers", value);
            }
            double[] result = new double[3];
            for (int i = 0; i < 3; i++) {
                if (!value.get(i).isNumber()) {
                    throw bad(key, "a number or a list of 3 numbers", value);
                }
                result[i] = value.get(i).doubleValue();
            }
            return result;
        }
    }
}

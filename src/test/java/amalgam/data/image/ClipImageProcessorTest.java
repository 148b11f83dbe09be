package amalgam.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import amalgam.testing.SafetensorsTestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClipImageProcessorTest {
    private static final Path FIXTURE = Fixtures.path("clip-tiny/preprocess");

    /**
     * The fixture's pixel values, against the reference (numpy + PIL). The tolerance is the fixture's
     * allclose test (1e-4 + 1e-4|exp|); a faithful float32 pipeline differs only by float32 rounding of the
     * normalisation, so the largest error is also checked to be at the float32 rounding level (1e-6).
     */
    @Test
    void fixtureImagesMatchTheReferencePixelValues() throws IOException {
        ClipImageProcessor processor = ClipImageProcessor.fromFile(FIXTURE.resolve("preprocessor_config.json"));
        List<Path> images = Files.readAllLines(FIXTURE.resolve("images.txt")).stream()
                .map(String::strip).filter(line -> !line.isEmpty()).map(FIXTURE::resolve).toList();
        Tensor actual = processor.processBatch(images);
        Tensor expected = SafetensorsTestFiles.read(FIXTURE.resolve("expected.safetensors"), "pixel_values");
        assertEquals(DType.F32, expected.dtype());
        assertEquals(expected.shape(), actual.shape());
        float[] values = actual.toFloatArray();
        float[] expectedValues = expected.toFloatArray();
        double worst = 0;
        for (int i = 0; i < values.length; i++) {
            float exp = expectedValues[i];
            double error = Math.abs(values[i] - exp);
            assertTrue(Float.isFinite(values[i]), "element " + i);
            assertTrue(error <= 1e-4 + 1e-4 * Math.abs(exp), "element " + i + ": " + values[i] + " vs " + exp);
            worst = Math.max(worst, error);
        }
        assertTrue(worst <= 1e-6, "largest error " + worst);
    }

    @Test
    void shortestEdgeSizeTruncatesTheLongSide() {
        // 29 wide, 45 high at S = 32: 32 * 45 / 29 = 49.66 -> 49.
        assertArrayEquals(new int[] {49, 32}, ClipImageProcessor.shortestEdgeSize(45, 29, 32));
        assertArrayEquals(new int[] {32, 49}, ClipImageProcessor.shortestEdgeSize(29, 45, 32));
        assertArrayEquals(new int[] {32, 32}, ClipImageProcessor.shortestEdgeSize(33, 33, 32));
        assertArrayEquals(new int[] {224, 298}, ClipImageProcessor.shortestEdgeSize(480, 640, 224));
    }

    @Test
    void centerCropUsesFloorOffsetsAndZeroPadsSmallImages() {
        byte[] pixels = new byte[3 * 3 * 3];
        for (int i = 0; i < 9; i++) {
            for (int c = 0; c < 3; c++) {
                pixels[3 * i + c] = (byte) (10 * (i + 1));
            }
        }
        RgbImage image = new RgbImage(3, 3, pixels);
        // 3 -> 2: offset floor(1/2) = 0, so rows/cols 0..1.
        RgbImage cropped = ClipImageProcessor.centerCrop(image, 2, 2);
        assertEquals(10, cropped.sample(0, 0, 0));
        assertEquals(50, cropped.sample(1, 1, 2));
        // 3 -> 6: padding before ceil(3/2) = 2, so source (0,0) lands at (2,2).
        RgbImage padded = ClipImageProcessor.centerCrop(image, 6, 6);
        assertEquals(0, padded.sample(1, 1, 0));
        assertEquals(10, padded.sample(2, 2, 0));
        assertEquals(90, padded.sample(4, 4, 1));
        assertEquals(0, padded.sample(5, 5, 0));
    }

    @Test
    void rescaleAndNormalizeFollowFloat32Semantics() {
        ClipImageProcessorConfig config = config("{\"do_resize\": false, \"do_center_crop\": false}");
        byte[] pixels = {(byte) 255, 0, (byte) 128};
        float[] out = new ClipImageProcessor(config).process(new RgbImage(1, 1, pixels));
        float r = (float) (255 * (1.0 / 255.0));
        assertEquals((r - 0.48145466f) / 0.26862954f, out[0]);
        assertEquals((0f - 0.4578275f) / 0.26130258f, out[1]);
        assertEquals(((float) (128 * (1.0 / 255.0)) - 0.40821073f) / 0.27577711f, out[2]);
    }

    @Test
    void configDefaultsMatchTheProcessorDefaults() {
        ClipImageProcessorConfig defaults = ClipImageProcessorConfig.defaults();
        assertEquals(224, defaults.shortestEdge());
        assertEquals(224, defaults.cropHeight());
        assertEquals(ResampleFilter.BICUBIC, defaults.resample());
        assertEquals(1.0 / 255.0, defaults.rescaleFactor());
        ClipImageProcessorConfig fixed = config("{\"size\": {\"height\": 20, \"width\": 30}, \"crop_size\": 16,"
                + " \"resample\": 2}");
        assertArrayEquals(new int[] {20, 30}, new ClipImageProcessor(fixed).resizedSize(100, 7));
        assertEquals(16, fixed.cropWidth());
        assertEquals(ResampleFilter.BILINEAR, fixed.resample());
    }

    @Test
    void badConfigValuesNameTheKey() {
        assertKey("resample", "{\"resample\": 5}");
        assertKey("size", "{\"size\": {\"longest_edge\": 3}}");
        assertKey("size.shortest_edge", "{\"size\": {\"shortest_edge\": 0}}");
        assertKey("crop_size.height", "{\"crop_size\": {\"height\": -1, \"width\": 3}}");
        assertKey("do_resize", "{\"do_resize\": \"yes\"}");
        assertKey("image_mean", "{\"image_mean\": [0.5, 0.5]}");
        assertKey("image_std", "{\"image_std\": [0.5, 0, 0.5]}");
        assertKey("rescale_factor", "{\"rescale_factor\": \"x\"}");
    }

    @Test
    void malformedConfigFileIsAUserError(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("preprocessor_config.json");
        Files.writeString(file, "{\"size\": ");
        UserInputException e = assertThrows(UserInputException.class, () -> ClipImageProcessorConfig.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    private static void assertKey(String key, String json) {
        UserInputException e = assertThrows(UserInputException.class, () -> config(json));
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
    }

    private static ClipImageProcessorConfig config(String json) {
        try {
            JsonNode node = new ObjectMapper().readTree(json);
            return ClipImageProcessorConfig.fromJson(node, "test");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

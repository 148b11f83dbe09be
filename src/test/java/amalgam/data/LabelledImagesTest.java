package amalgam.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.data.image.RgbImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelledImagesTest {
    /** A split of {@code size} one-pixel images whose label is {@code base} + index. */
    private static LabelledImages split(int base, int size) {
        return new LabelledImages() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public int label(int index) {
                return base + index;
            }

            @Override
            public RgbImage image(int index) {
                return new RgbImage(1, 1, new byte[] {(byte) (base + index), 0, 0});
            }
        };
    }

    @Test
    void concatenatedSplitsAreIndexedOneAfterAnother() {
        LabelledImages all = LabelledImages.concat(List.of(split(0, 3), split(100, 0), split(200, 2), split(300, 1)));
        assertEquals(6, all.size());
        int[] labels = new int[all.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = all.label(i);
            assertEquals((byte) labels[i], all.image(i).pixels()[0]);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 1, 2, 200, 201, 300}, labels);
        assertThrows(IndexOutOfBoundsException.class, () -> all.label(6));
        assertThrows(IndexOutOfBoundsException.class, () -> all.label(-1));
    }
}

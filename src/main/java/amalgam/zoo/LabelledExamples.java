package amalgam.zoo;

import amalgam.data.LabelledImages;
import amalgam.data.image.PixelNormalization;
import amalgam.model.clip.VisionFineTuning;
import amalgam.tensor.Shape;
import java.lang.foreign.MemorySegment;

/** Training examples drawn on demand from labelled images, normalized as the evaluation normalizes them. */
record LabelledExamples(LabelledImages images, int imageSize) implements VisionFineTuning.Examples {
    @Override
    public int size() {
        return images.size();
    }

    @Override
    public int label(int index) {
        return images.label(index);
    }

    @Override
    public Shape imageShape() {
        return Shape.of(3, imageSize, imageSize);
    }

    @Override
    public void copyPixels(int index, MemorySegment target, long offset) {
        PixelNormalization.CLIP.writeChw(images.image(index), target, offset);
    }
}

package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.List;
import java.util.SplittableRandom;

/** A procedurally generated classification task: class names and a renderer of one sample of a given class. */
public interface SyntheticTask {
    /** Side of every generated image, in pixels. */
    int IMAGE_SIZE = 32;

    String name();

    List<String> classNames();

    /** Draws a sample of class {@code label}; all randomness comes from {@code random}. */
    RgbImage render(int label, SplittableRandom random);
}

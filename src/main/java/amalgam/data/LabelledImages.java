package amalgam.fusion.taskpool;

import amalgam.data.image.RgbImage;

/** A test split: images and their labels, by index. */
public interface LabelledImages {
    int size();

    int label(int index);

    RgbImage image(int index);
}

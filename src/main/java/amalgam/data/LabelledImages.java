package amalgam.data;

import amalgam.data.image.RgbImage;

/** A labelled image split, by index: what training and evaluation read. */
public interface LabelledImages {
    int size();

    int label(int index);

    RgbImage image(int index);
}

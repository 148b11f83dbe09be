package amalgam.data;

import amalgam.data.image.RgbImage;

/** A labelled image split, by index: what training and evaluation read. */
public interface LabelledImages {
    int size();

    int label(int index);

    RgbImage image(int index);

    /** The first {@code count} examples (all of them when there are fewer), in order. */
    default LabelledImages first(int count) {
        LabelledImages all = this;
        int size = Math.min(Math.max(0, count), all.size());
        return size == all.size() ? all : new LabelledImages() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public int label(int index) {
                return all.label(java.util.Objects.checkIndex(index, size));
            }

            @Override
            public RgbImage image(int index) {
                return all.image(java.util.Objects.checkIndex(index, size));
            }
        };
    }
}

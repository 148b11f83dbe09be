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

    /** The splits one after another, indexed as a single split. */
    static LabelledImages concat(java.util.List<LabelledImages> parts) {
        int[] starts = new int[parts.size() + 1];
        for (int p = 0; p < parts.size(); p++) {
            starts[p + 1] = Math.addExact(starts[p], parts.get(p).size());
        }
        return new LabelledImages() {
            @Override
            public int size() {
                return starts[parts.size()];
            }

            @Override
            public int label(int index) {
                int part = part(index);
                return parts.get(part).label(index - starts[part]);
            }

            @Override
            public RgbImage image(int index) {
                int part = part(index);
                return parts.get(part).image(index - starts[part]);
            }

            private int part(int index) {
                java.util.Objects.checkIndex(index, size());
                int found = java.util.Arrays.binarySearch(starts, index);
                int part = found >= 0 ? found : -found - 2;
                while (starts[part + 1] == index) { // skip empty parts
                    part++;
                }
                return part;
            }
        };
    }
}

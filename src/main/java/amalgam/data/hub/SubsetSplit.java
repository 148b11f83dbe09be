package amalgam.data.hub;

import amalgam.data.image.RgbImage;
import java.util.List;
import java.util.Optional;

/** Some rows of a split, in a given order: one part of a {@link RandomSubset}. */
final class SubsetSplit implements HubImageSplit {
    private final HubImageSplit whole;
    private final HubDatasetSplit split;
    private final int[] rows;

    SubsetSplit(HubImageSplit whole, HubDatasetSplit split) {
        this.whole = whole;
        this.split = split;
        this.rows = split.subset().rows(whole.size());
    }

    @Override
    public HubDatasetSplit split() {
        return split;
    }

    @Override
    public Optional<List<String>> classNames() {
        return whole.classNames();
    }

    @Override
    public String identity() {
        return whole.identity() + " " + split.subset().describe();
    }

    @Override
    public int size() {
        return rows.length;
    }

    @Override
    public int label(int index) {
        return whole.label(rows[index]);
    }

    @Override
    public RgbImage image(int index) {
        return whole.image(rows[index]);
    }
}

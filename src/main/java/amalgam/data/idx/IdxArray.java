package amalgam.data.idx;

/**
 * The contents of an IDX file: its dimensions and its values widened to int (unsigned bytes as 0..255).
 *
 * @param dimensions e.g. [60000, 28, 28] for images, [60000] for labels
 * @param type       the element type code (0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int)
 * @param values     row-major values
 */
public record IdxArray(int[] dimensions, int type, int[] values) {
    /** Number of items along the first dimension. */
    public int count() {
        return dimensions.length == 0 ? 0 : dimensions[0];
    }

    /** Elements per item (the product of the other dimensions). */
    public int itemSize() {
        int size = 1;
        for (int i = 1; i < dimensions.length; i++) {
            size *= dimensions[i];
        }
        return size;
    }
}

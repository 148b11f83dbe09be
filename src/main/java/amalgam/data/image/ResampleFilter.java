package amalgam.data.image;

/**
 * The resampling filters supported by {@link PillowResize}, numbered as Pillow's {@code Image.Resampling}
 * (the integer Hugging Face writes as {@code "resample"} in {@code preprocessor_config.json}).
 */
public enum ResampleFilter {
    /** Pillow {@code BILINEAR} (2): the triangle filter, support 1. */
    BILINEAR(2, 1.0) {
        @Override
        double weight(double x) {
            double ax = Math.abs(x);
            return ax < 1.0 ? 1.0 - ax : 0.0;
        }
    },
    /** Pillow {@code BICUBIC} (3): Keys' cubic convolution with a = -0.5, support 2. */
    BICUBIC(3, 2.0) {
        @Override
        double weight(double x) {
            final double a = -0.5;
            double ax = Math.abs(x);
            if (ax < 1.0) {
                return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1.0;
            }
            if (ax < 2.0) {
                return (((ax - 5.0) * ax + 8.0) * ax - 4.0) * a;
            }
            return 0.0;
        }
    };

    private final int pillowCode;
    private final double support;

    ResampleFilter(int pillowCode, double support) {
        this.pillowCode = pillowCode;
        this.support = support;
    }

    /** Pillow's integer code for this filter. */
    public int pillowCode() {
        return pillowCode;
    }

    /** Half-width of the filter at scale 1. */
    public double support() {
        return support;
    }

    /** The filter kernel at offset {@code x}. */
    abstract double weight(double x);

    /** The filter with Pillow code {@code code}, or {@code null} if unsupported. */
    public static ResampleFilter fromPillowCode(int code) {
        for (ResampleFilter filter : values()) {
            if (filter.pillowCode == code) {
                return filter;
            }
        }
        return null;
    }
}

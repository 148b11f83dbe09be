package amalgam.mergekit.method;

/** Small reductions and strided-vector helpers over float arrays; reductions accumulate in double. */
final class FloatVectors {
    private FloatVectors() {
    }

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    static double norm(float[] a) {
        return Math.sqrt(dot(a, a));
    }

    static float[] subtract(float[] a, float[] b, Precision precision) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = precision.round(a[i] - b[i]);
        }
        return out;
    }

    static float[] add(float[] a, float[] b, Precision precision) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = precision.round(a[i] + b[i]);
        }
        return out;
    }

    /**
     * The vectors of a row-major tensor taken along one axis: vector {@code v} (0 <= v < count) has element
     * {@code k} at flat index {@code (outer * length + k) * inner + innerIndex}, with {@code v = outer * inner + innerIndex}.
     */
    record Axis(int outer, int length, int inner) {
        static Axis of(long[] dims, int axis) {
            long outer = 1;
            long inner = 1;
            for (int d = 0; d < axis; d++) {
                outer *= dims[d];
            }
            for (int d = axis + 1; d < dims.length; d++) {
                inner *= dims[d];
            }
            return new Axis(Math.toIntExact(outer), Math.toIntExact(dims.length == 0 ? 1 : dims[axis]), Math.toIntExact(inner));
        }

        int count() {
            return outer * inner;
        }

        int index(int vector, int k) {
            int o = vector / inner;
            int i = vector % inner;
            return (o * length + k) * inner + i;
        }
    }
}

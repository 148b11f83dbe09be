package amalgam.mergekit.method;

import java.nio.charset.StandardCharsets;

/**
 * Counter-based uniform numbers in [0, 1): element {@code i} of the stream keyed by (seed, tensor name, model index)
 * is a pure function of those four values (SplitMix64 finalizer over the mixed key), so sparsification masks do not
 * depend on thread scheduling or on the order tensors are merged in.
 */
public record CounterUniform(long key) {

    public static CounterUniform of(long seed, String tensorName, int modelIndex) {
        long hash = mix(seed ^ 0x6A09E667F3BCC909L);
        for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
            hash = mix(hash ^ (b & 0xFF));
        }
        return new CounterUniform(mix(hash ^ (0x9E3779B97F4A7C15L * (modelIndex + 1L))));
    }

    /** The {@code index}-th number of the stream: 53 random bits scaled to [0, 1). */
    public double at(long index) {
        return (mix(key + 0x9E3779B97F4A7C15L * (index + 1)) >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

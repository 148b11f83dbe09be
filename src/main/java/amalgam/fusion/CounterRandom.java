package amalgam.fusion;

/**
 * Counter-based uniform random numbers: a pure function of (seed, tensor name, model index, element index), so
 * results do not depend on execution order or threads. SplitMix64 finalizers over the mixed key.
 */
public final class CounterRandom {
    private final long key;

    private CounterRandom(long key) {
        this.key = key;
    }

    /** The stream for one tensor of one model. */
    public static CounterRandom of(long seed, String tensorName, int modelIndex) {
        long key = mix(seed ^ 0x9E3779B97F4A7C15L);
        key = mix(key ^ tensorName.hashCode() ^ ((long) tensorName.length() << 32));
        key = mix(key + modelIndex * 0xD1B54A32D192ED03L);
        return new CounterRandom(key);
    }

    /** A uniform double in [0, 1) for an element index (53 random bits). */
    public double uniform(long elementIndex) {
        long bits = mix(key + (elementIndex + 1) * 0x9E3779B97F4A7C15L);
        return (bits >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

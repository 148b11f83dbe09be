package amalgam.fuzz;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The budget and seed of a fuzz run, from system properties (Maven passes {@code -D} options through):
 * <ul>
 *   <li>{@code amalgam.fuzz.seconds} — total mutation time over all {@value #TARGETS} targets (default 60, split
 *       evenly; 0 replays the corpus only);</li>
 *   <li>{@code amalgam.fuzz.TARGET.seconds} — one target's time, overriding its share (for long local runs);</li>
 *   <li>{@code amalgam.fuzz.seed} — a number (default {@value #DEFAULT_SEED}, so CI is reproducible) or
 *       {@code random};</li>
 *   <li>{@code amalgam.fuzz.inputs} — a cap on mutated inputs per target (then a run is reproducible whatever the
 *       machine's speed);</li>
 *   <li>{@code amalgam.fuzz.timeout.ms} — the time one input may take (default 2000).</li>
 * </ul>
 *
 * @param budget  mutation time of this target
 * @param seed    the run's seed; input {@code i} of a target is drawn from (seed, target, i) alone
 * @param inputs  the most mutated inputs to try
 * @param timeout the most one input may take
 */
record FuzzSettings(Duration budget, long seed, long inputs, Duration timeout) {
    /** Number of fuzz targets sharing {@code amalgam.fuzz.seconds}. */
    static final int TARGETS = 6;
    static final long DEFAULT_SEED = 20251204L;

    static FuzzSettings forTarget(String target) {
        double total = Double.parseDouble(System.getProperty("amalgam.fuzz.seconds", "60"));
        double seconds = Double.parseDouble(System.getProperty("amalgam.fuzz." + target + ".seconds",
                String.valueOf(total / TARGETS)));
        String seedText = System.getProperty("amalgam.fuzz.seed", String.valueOf(DEFAULT_SEED)).trim();
        long seed = seedText.toLowerCase(Locale.ROOT).equals("random") ? ThreadLocalRandom.current().nextLong()
                : Long.decode(seedText);
        long inputs = Long.parseLong(System.getProperty("amalgam.fuzz.inputs", String.valueOf(Long.MAX_VALUE)));
        long timeout = Long.parseLong(System.getProperty("amalgam.fuzz.timeout.ms", "2000"));
        return new FuzzSettings(Duration.ofMillis((long) (seconds * 1000)), seed, inputs, Duration.ofMillis(timeout));
    }
}

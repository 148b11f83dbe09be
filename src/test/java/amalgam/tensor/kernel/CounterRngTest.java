package amalgam.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Known answers, determinism, chunking independence, key separation and basic uniformity (4-sigma bounds). */
class CounterRngTest {

    @Test
    void philoxMatchesPublishedKnownAnswers() {
        int[] out = new int[4];
        CounterRng.philox4x32x10(0, 0, 0, 0, 0, 0, out);
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, out);
        CounterRng.philox4x32x10(-1, -1, -1, -1, -1, -1, out);
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, out);
        CounterRng.philox4x32x10(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, out);
    }

    @Test
    void valuesDependOnlyOnKeyAndIndex() {
        CounterRng first = CounterRng.of(42, "model.layers.0.mlp.up_proj.weight", 1);
        CounterRng second = CounterRng.of(42, "model.layers.0.mlp.up_proj.weight", 1);
        int count = 10_007;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment whole = arena.allocate(count * 4L);
            first.fillUniform(whole, 0, count);
            MemorySegment chunked = arena.allocate(count * 4L);
            long position = 0;
            for (long size : new long[] {1, 2, 3, 5, 13, 1000, 4097}) { // chunks starting at every offset modulo 4
                second.fillUniform(chunked.asSlice(position * 4), position, size);
                position += size;
            }
            second.fillUniform(chunked.asSlice(position * 4), position, count - position);
            assertEquals(-1L, whole.mismatch(chunked));
            for (int i = count - 1; i >= 0; i -= 7) {
                assertEquals(whole.getAtIndex(Layouts.F32, i), second.uniform(i), "index " + i);
                assertEquals(whole.getAtIndex(Layouts.F32, i) < 0.3f, second.bernoulli(i, 0.3f));
            }
        }
    }

    @Test
    void differentKeysGiveDifferentStreams() {
        CounterRng base = CounterRng.of(1, "a.weight", 0);
        CounterRng[] others = {CounterRng.of(2, "a.weight", 0), CounterRng.of(1, "b.weight", 0),
            CounterRng.of(1, "a.weight", 1), CounterRng.of(1, "a.weigh", 0)};
        for (CounterRng other : others) {
            int equal = 0;
            for (long i = 0; i < 10_000; i++) {
                equal += base.uniform(i) == other.uniform(i) ? 1 : 0;
            }
            assertTrue(equal < 10, "streams share " + equal + " of 10000 values"); // chance: ~10000 / 2^24
        }
    }

    @Test
    void drawsLookUniform() {
        CounterRng rng = CounterRng.of(20240611L, "encoder.layer.3.attention.output.dense.weight", 2);
        int n = 1_000_000;
        int buckets = 100;
        long[] histogram = new long[buckets];
        double sum = 0;
        double sumOfSquares = 0;
        long successes = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment draws = arena.allocate(n * 4L);
            rng.fillUniform(draws, 0, n);
            for (int i = 0; i < n; i++) {
                float u = draws.getAtIndex(Layouts.F32, i);
                assertTrue(u >= 0f && u < 1f);
                sum += u;
                sumOfSquares += (u - 0.5) * (u - 0.5);
                histogram[(int) (u * buckets)]++;
                successes += rng.bernoulli(i + n, 0.3f) ? 1 : 0;
            }
        }
        double mean = sum / n;
        assertEquals(0.5, mean, 4 * Math.sqrt(1.0 / 12 / n), "mean");
        double variance = sumOfSquares / n;
        assertEquals(1.0 / 12, variance, 4 * Math.sqrt((1.0 / 80 - 1.0 / 144) / n), "variance"); // Var((U-1/2)^2) = 1/180
        assertEquals(0.3, (double) successes / n, 4 * Math.sqrt(0.3 * 0.7 / n), "bernoulli(0.3) rate");
        double chiSquare = 0;
        double expected = (double) n / buckets;
        for (long observed : histogram) {
            chiSquare += (observed - expected) * (observed - expected) / expected;
        }
        // 99 degrees of freedom: mean 99, standard deviation sqrt(198) ~ 14; allow 4 sigma
        assertTrue(chiSquare < 99 + 4 * Math.sqrt(198), "chi-square " + chiSquare);
    }
}

package amalgam.model.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * inv_freq against transformers' formulas evaluated in double. Tolerance 1e-6 relative: the implementation rounds to
 * float32 after each step as torch does (a few ulps of 6e-8); a wrong band or blend is off by O(1).
 */
class RotaryEmbeddingTest {
    private static final int DIMENSION = 32;

    private static double base(int i, double theta) {
        return 1 / Math.pow(theta, 2.0 * i / DIMENSION);
    }

    @Test
    void defaultAndLinear() {
        float[] plain = new RotaryEmbedding(10000, new RotaryEmbedding.Unscaled()).inverseFrequencies(DIMENSION);
        float[] linear = new RotaryEmbedding(10000, new RotaryEmbedding.Linear(4)).inverseFrequencies(DIMENSION);
        for (int i = 0; i < DIMENSION / 2; i++) {
            assertEquals(base(i, 10000), plain[i], 1e-6 * base(i, 10000));
            assertEquals(base(i, 10000) / 4, linear[i], 1e-6 * base(i, 10000));
        }
    }

    @Test
    void llama3KeepsHighFrequenciesScalesLowOnesAndBlendsBetween() {
        RotaryEmbedding.Llama3 scaling = new RotaryEmbedding.Llama3(8, 1, 4, 512);
        float[] scaled = new RotaryEmbedding(500000, scaling).inverseFrequencies(DIMENSION);
        int kept = 0;
        int divided = 0;
        int blended = 0;
        for (int i = 0; i < DIMENSION / 2; i++) {
            double inverse = base(i, 500000);
            double wavelength = 2 * Math.PI / inverse;
            double expected;
            if (wavelength < 512 / 4.0) {
                expected = inverse;
                kept++;
            } else if (wavelength > 512 / 1.0) {
                expected = inverse / 8;
                divided++;
            } else {
                double smooth = (512 / wavelength - 1) / (4 - 1);
                expected = (1 - smooth) * inverse / 8 + smooth * inverse;
                blended++;
            }
            assertEquals(expected, scaled[i], 1e-6 * expected, "frequency " + i);
        }
        // the three bands are all exercised
        assertEquals(true, kept > 0 && divided > 0 && blended > 0, kept + " " + divided + " " + blended);
    }

    @Test
    void tablesRepeatTheHalves() {
        RotaryEmbedding.Tables tables = new RotaryEmbedding(10000, new RotaryEmbedding.Unscaled()).tables(3, 4);
        for (int position = 0; position < 3; position++) {
            for (int i = 0; i < 2; i++) {
                double angle = position * base(i * 8, 10000); // d = 4: inv_freq_i = theta^(-2i/4)
                assertEquals(Math.cos(angle), tables.cos()[position * 4 + i], 1e-6);
                assertEquals(tables.cos()[position * 4 + i], tables.cos()[position * 4 + i + 2]);
                assertEquals(Math.sin(angle), tables.sin()[position * 4 + i], 1e-6);
            }
        }
    }
}

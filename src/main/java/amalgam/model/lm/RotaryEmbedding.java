package amalgam.model.lm;

import amalgam.UserInputException;

/**
 * Rotary position embedding parameters (Su et al. 2021) and their cos/sin tables, as transformers'
 * {@code ROPE_INIT_FUNCTIONS} and {@code LlamaRotaryEmbedding} compute them, in float32 step by step:
 * inv_freq_i = 1 / theta^(2i / d) for i < d/2; angle(p, i) = p inv_freq_i; the tables are
 * cos, sin of [angle, angle] (the two halves repeat), [L, d].
 *
 * @param theta   {@code rope_theta}
 * @param scaling how the frequencies are rescaled ({@code rope_scaling})
 */
public record RotaryEmbedding(double theta, Scaling scaling) {
    /** {@code rope_scaling}: a closed set, each with the parameters transformers reads. */
    public sealed interface Scaling {
    }

    /** No rescaling ({@code rope_scaling} absent or {@code rope_type: default}). */
    public record Unscaled() implements Scaling {
    }

    /** Position interpolation (Chen et al. 2023): inv_freq / factor, i.e. positions / factor. */
    public record Linear(double factor) implements Scaling {
    }

    /**
     * Llama 3.1's scaling: wavelengths 2 pi / inv_freq above original / lowFreqFactor are divided by factor, below
     * original / highFreqFactor kept, in between blended with s = (original / wavelength - low) / (high - low):
     * (1 - s) inv_freq / factor + s inv_freq.
     */
    public record Llama3(double factor, double lowFreqFactor, double highFreqFactor, double originalMaxPositions)
            implements Scaling {
    }

    public RotaryEmbedding {
        if (!(theta > 0) || !Double.isFinite(theta)) {
            throw new IllegalArgumentException("rope theta must be positive, got " + theta);
        }
    }

    /**
     * Reads {@code rope_theta} and {@code rope_scaling} (with {@code rope_type}, or the legacy {@code type}); newer
     * configs may instead hold both in {@code rope_parameters}. Unknown types are an error.
     */
    static RotaryEmbedding read(ConfigJson config) {
        ConfigJson parameters = config.object("rope_parameters");
        ConfigJson scaling = parameters != null ? parameters : config.object("rope_scaling");
        double theta = parameters != null && parameters.has("rope_theta") ? parameters.positiveNumber("rope_theta", 0)
                : config.positiveNumber("rope_theta", 10000.0);
        if (config.has("partial_rotary_factor") && config.positiveNumber("partial_rotary_factor", 1) != 1) {
            throw new UserInputException(config.where() + ": key 'partial_rotary_factor' " + config.node().get("partial_rotary_factor")
                    + " is not supported (only full rotary embeddings)");
        }
        if (scaling == null) {
            return new RotaryEmbedding(theta, new Unscaled());
        }
        String type = scaling.text("rope_type", scaling.text("type", "default"));
        return new RotaryEmbedding(theta, switch (type) {
            case "default" -> new Unscaled();
            case "linear" -> new Linear(scaling.requiredPositiveNumber("factor"));
            case "llama3" -> {
                Llama3 llama3 = new Llama3(scaling.requiredPositiveNumber("factor"),
                        scaling.requiredPositiveNumber("low_freq_factor"), scaling.requiredPositiveNumber("high_freq_factor"),
                        scaling.requiredPositiveNumber("original_max_position_embeddings"));
                if (llama3.highFreqFactor() == llama3.lowFreqFactor()) {
                    throw new UserInputException(scaling.where() + ": 'high_freq_factor' equals 'low_freq_factor'"
                            + " (the blend divides by their difference)");
                }
                yield llama3;
            }
            default -> throw new UserInputException(scaling.where() + ": rope type '" + type
                    + "' is not supported (supported: default, linear, llama3)");
        });
    }

    /** inv_freq [d/2] for head dimension d, rounded to float32 after each step as torch computes it. */
    public float[] inverseFrequencies(int headDimension) {
        float[] inverse = new float[headDimension / 2];
        float base = (float) theta;
        for (int i = 0; i < inverse.length; i++) {
            float exponent = (float) (2 * i) / (float) headDimension;
            inverse[i] = 1f / (float) Math.pow(base, exponent);
        }
        switch (scaling) {
            case Unscaled unscaled -> {
            }
            case Linear linear -> {
                for (int i = 0; i < inverse.length; i++) {
                    inverse[i] = inverse[i] / (float) linear.factor();
                }
            }
            case Llama3 llama3 -> applyLlama3(inverse, llama3);
        }
        return inverse;
    }

    private static void applyLlama3(float[] inverse, Llama3 s) {
        float factor = (float) s.factor();
        float low = (float) s.lowFreqFactor();
        float high = (float) s.highFreqFactor();
        float original = (float) s.originalMaxPositions();
        float lowFreqWavelength = (float) (s.originalMaxPositions() / s.lowFreqFactor());
        float highFreqWavelength = (float) (s.originalMaxPositions() / s.highFreqFactor());
        for (int i = 0; i < inverse.length; i++) {
            float wavelength = (float) (2 * Math.PI) / inverse[i];
            float scaled = wavelength > lowFreqWavelength ? inverse[i] / factor : inverse[i];
            boolean medium = !(wavelength < highFreqWavelength) && !(wavelength > lowFreqWavelength);
            if (medium) {
                float smooth = (original / wavelength - low) / (high - low);
                inverse[i] = (1 - smooth) * scaled / factor + smooth * scaled;
            } else {
                inverse[i] = scaled;
            }
        }
    }

    /** cos and sin tables [length, d] for positions 0..length-1, row-major. */
    public Tables tables(int length, int headDimension) {
        float[] inverse = inverseFrequencies(headDimension);
        int half = inverse.length;
        float[] cos = new float[Math.multiplyExact(length, headDimension)];
        float[] sin = new float[cos.length];
        for (int position = 0; position < length; position++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) position * inverse[i];
                int at = position * headDimension + i;
                cos[at] = cos[at + half] = (float) Math.cos(angle);
                sin[at] = sin[at + half] = (float) Math.sin(angle);
            }
        }
        return new Tables(cos, sin);
    }

    /** The cos and sin tables, [L, d] each, row-major. */
    public record Tables(float[] cos, float[] sin) {
    }
}

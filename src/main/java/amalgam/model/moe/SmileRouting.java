package amalgam.model.moe;

/**
 * SMILE's router, per token: logitᵢ = ‖Gᵢ x‖₂ (Gᵢ the gate_k rows of expert i), pᵢ = softmax(logit)ᵢ over the T
 * experts, the top_k largest pᵢ kept (ties to the lower expert index), and the kept ones divided by their sum. With one
 * expert the weight is 1 without a gate (FusionBench's gate returns ones then). Arithmetic is float32 as in FusionBench,
 * except that the squared norm and the softmax's sum accumulate in double (they then differ in the last bit at most).
 */
public final class SmileRouting {
    private SmileRouting() {
    }

    /**
     * Each token's chosen experts ({@code topK} per token, best first) and their weights.
     *
     * @param selected [tokens · topK] expert indices
     * @param weights  [tokens · topK] routing weights (summing to 1 per token)
     */
    public record Routes(int tokens, int topK, int[] selected, float[] weights) {
        /** The weight token {@code token} gives expert {@code expert}, or NaN when it is not routed there. */
        public float weightOf(int token, int expert) {
            for (int j = 0; j < topK; j++) {
                if (selected[token * topK + j] == expert) {
                    return weights[token * topK + j];
                }
            }
            return Float.NaN;
        }

        /** The tokens routed to {@code expert}, ascending. */
        public int[] tokensOf(int expert) {
            int count = 0;
            for (int token = 0; token < tokens; token++) {
                if (!Float.isNaN(weightOf(token, expert))) {
                    count++;
                }
            }
            int[] rows = new int[count];
            int next = 0;
            for (int token = 0; token < tokens; token++) {
                if (!Float.isNaN(weightOf(token, expert))) {
                    rows[next++] = token;
                }
            }
            return rows;
        }
    }

    /** Every token to the single expert with weight 1. */
    public static Routes single(int tokens) {
        float[] weights = new float[tokens];
        java.util.Arrays.fill(weights, 1f);
        return new Routes(tokens, 1, new int[tokens], weights);
    }

    /** Routes from the gate's output [tokens, experts · gateK] (row-major). */
    public static Routes route(float[] gateOutput, int tokens, int experts, int gateK, int topK) {
        if (gateOutput.length != (long) tokens * experts * gateK || topK < 1 || topK > experts) {
            throw new IllegalArgumentException(gateOutput.length + " gate outputs for " + tokens + " tokens, " + experts
                    + " experts of " + gateK + " rows, top " + topK);
        }
        int[] selected = new int[tokens * topK];
        float[] weights = new float[tokens * topK];
        float[] probabilities = new float[experts];
        for (int token = 0; token < tokens; token++) {
            softmaxOfNorms(gateOutput, token * experts * gateK, experts, gateK, probabilities);
            float kept = 0f;
            for (int j = 0; j < topK; j++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (!taken(selected, token * topK, j, e) && (best < 0 || probabilities[e] > probabilities[best])) {
                        best = e;
                    }
                }
                selected[token * topK + j] = best;
                weights[token * topK + j] = probabilities[best];
                kept += probabilities[best];
            }
            for (int j = 0; j < topK; j++) {
                weights[token * topK + j] /= kept;
            }
        }
        return new Routes(tokens, topK, selected, weights);
    }

    /**
     * Every token's softmax over all experts before any top-k selection, [tokens · experts] row-major, from the gate's
     * output [tokens, experts · gateK] (AdaSVD averages these); with one expert every probability is 1.
     */
    public static float[] probabilities(float[] gateOutput, int tokens, int experts, int gateK) {
        if (gateOutput.length != (long) tokens * experts * gateK) {
            throw new IllegalArgumentException(gateOutput.length + " gate outputs for " + tokens + " tokens, " + experts
                    + " experts of " + gateK + " rows");
        }
        float[] probabilities = new float[tokens * experts];
        float[] row = new float[experts];
        for (int token = 0; token < tokens; token++) {
            softmaxOfNorms(gateOutput, token * experts * gateK, experts, gateK, row);
            System.arraycopy(row, 0, probabilities, token * experts, experts);
        }
        return probabilities;
    }

    /** softmax over experts of ‖row block e‖₂, written to {@code out}. */
    static void softmaxOfNorms(float[] gateOutput, int offset, int experts, int gateK, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < experts; e++) {
            double squares = 0;
            for (int j = 0; j < gateK; j++) {
                float value = gateOutput[offset + e * gateK + j];
                squares += (double) value * value;
            }
            out[e] = (float) Math.sqrt(squares);
            max = Math.max(max, out[e]);
        }
        double sum = 0;
        for (int e = 0; e < experts; e++) {
            out[e] = (float) Math.exp(out[e] - max);
            sum += out[e];
        }
        for (int e = 0; e < experts; e++) {
            out[e] = (float) (out[e] / sum);
        }
    }

    private static boolean taken(int[] selected, int start, int count, int expert) {
        for (int j = 0; j < count; j++) {
            if (selected[start + j] == expert) {
                return true;
            }
        }
        return false;
    }
}

package amalgam.model.lm.eval;

/** Log-probabilities of given tokens under logits rows, in double (log-softmax with the row's maximum subtracted). */
final class TokenLogProbs {
    private TokenLogProbs() {
    }

    /** log softmax(row)[token]. */
    static double of(float[] row, long token) {
        float max = Float.NEGATIVE_INFINITY;
        for (float value : row) {
            max = Math.max(max, value);
        }
        double sum = 0;
        for (float value : row) {
            sum += Math.exp((double) value - max);
        }
        return (double) row[Math.toIntExact(token)] - max - Math.log(sum);
    }
}

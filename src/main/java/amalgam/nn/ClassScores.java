package amalgam.nn;

/** What evaluation reads from one item's class scores (logits): the predicted class and the cross-entropy. */
public final class ClassScores {
    private ClassScores() {
    }

    /** Index of the largest score; the first one on ties (as torch.argmax). */
    public static int argMax(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /** −log softmax(scores)[label], computed in double from the largest score down (no overflow). */
    public static double crossEntropy(float[] scores, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (float score : scores) {
            max = Math.max(max, score);
        }
        double sum = 0;
        for (float score : scores) {
            sum += Math.exp(score - max);
        }
        return Math.log(sum) + max - scores[label];
    }
}

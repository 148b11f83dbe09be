package amalgam.tensor.kernel;

/**
 * The two coefficients of spherical linear interpolation (Shoemake 1985) between {@code v0} and {@code v1}, so that
 * {@code slerp(v0, v1; t) = w0·v0 + w1·v1} on the unnormalised vectors. Both dialects' SLERP methods (FusionBench
 * {@code slerp/slerp}, mergekit {@code slerp}) compute their weights here; each computes the dot product and norms
 * over its own tensors and applies the weights in its own precision.
 *
 * <p>With {@code s_k = ‖v_k‖} if {@code ‖v_k‖ > epsilon} else 1 and {@code d = ⟨v0,v1⟩ / (s0 s1)}: if
 * {@code |d| > dotThreshold} (parallel or anti-parallel) {@code w0 = 1−t, w1 = t} (linear interpolation), else with
 * {@code θ = acos d}: {@code w0 = sin((1−t)θ)/sin θ}, {@code w1 = sin(tθ)/sin θ}. A zero {@code v0} gives {@code d = 0},
 * so the result is {@code sin(tπ/2)·v1} (mergekit's quirk, FusionBench's too).
 */
public record SlerpWeights(double w0, double w1) {
    /** mergekit's and FusionBench's default threshold on |cos θ| above which the vectors count as colinear. */
    public static final double DEFAULT_DOT_THRESHOLD = 0.9995;
    /** Norms at or below this are not normalised. */
    public static final double DEFAULT_EPSILON = 1e-8;

    /**
     * The weights for interpolation factor {@code t}, given {@code dot = ⟨v0,v1⟩} and the norms of both vectors.
     */
    public static SlerpWeights of(double t, double dot, double norm0, double norm1, double dotThreshold, double epsilon) {
        double scale0 = norm0 > epsilon ? norm0 : 1.0;
        double scale1 = norm1 > epsilon ? norm1 : 1.0;
        double cosine = dot / (scale0 * scale1);
        if (Math.abs(cosine) > dotThreshold) {
            return new SlerpWeights(1 - t, t);
        }
        double theta = Math.acos(cosine);
        double sinTheta = Math.sin(theta);
        return new SlerpWeights(Math.sin((1 - t) * theta) / sinTheta, Math.sin(t * theta) / sinTheta);
    }
}

package amalgam.linalg;

/** Thin SVD A = U diag(S) Vt with k = min(m, n): U [m,k], S [k] descending, Vt [k,n]. */
public record Svd(Matrix u, float[] singularValues, Matrix vt) {
}

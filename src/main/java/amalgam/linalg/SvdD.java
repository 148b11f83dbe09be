package amalgam.linalg;

/** Thin float64 SVD A = U diag(S) Vt with k = min(m, n): U [m,k], S [k] descending, Vt [k,n]. */
public record SvdD(MatrixD u, double[] singularValues, MatrixD vt) {
}

package amalgam.linalg;

/** Thin float64 QR A = Q R with k = min(m, n): Q [m,k] with orthonormal columns, R [k,n] upper triangular. */
public record QrD(MatrixD q, MatrixD r) {
}

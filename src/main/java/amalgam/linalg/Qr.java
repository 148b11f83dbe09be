package amalgam.linalg;

/** Thin QR A = Q R with k = min(m, n): Q [m,k] with orthonormal columns, R [k,n] upper triangular. */
public record Qr(Matrix q, Matrix r) {
}

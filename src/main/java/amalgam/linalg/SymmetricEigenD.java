package amalgam.linalg;

/** Float64 eigen-decomposition of a symmetric matrix: eigenvalues ascending, eigenvectors as the columns. */
public record SymmetricEigenD(double[] eigenvalues, MatrixD eigenvectors) {
}

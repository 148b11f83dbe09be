package amalgam.linalg;

/** Eigen-decomposition of a symmetric matrix: eigenvalues ascending, eigenvectors as the columns of a matrix. */
public record SymmetricEigen(float[] eigenvalues, Matrix eigenvectors) {
}

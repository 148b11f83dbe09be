/**
 * The one facade over OpenBLAS / LAPACK (bytedeco JavaCPP bindings): gemm, thin SVD, symmetric eigen, QR,
 * solves and pseudo-inverse on off-heap row-major matrices. No other package touches the native bindings.
 */
package amalgam.linalg;

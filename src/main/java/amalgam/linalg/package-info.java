/**
 * The one facade over OpenBLAS / LAPACK (bytedeco JavaCPP bindings): gemm, thin SVD, symmetric eigen, QR, solves and
 * pseudo-inverse on off-heap row-major matrices, in float32 ({@link amalgam.linalg.Matrix}) and float64
 * ({@link amalgam.linalg.MatrixD}). No other package touches the native bindings.
 *
 * <p>Layout: {@link amalgam.linalg.LinearAlgebra} is the public entry point; {@code SinglePrecision} and
 * {@code DoublePrecision} hold one kernel per operation; {@code OpenBlas} loads the library at class initialisation,
 * describes it ({@link amalgam.linalg.LinearAlgebra#backend()}) and turns segments into JavaCPP pointers by address.
 */
package amalgam.linalg;

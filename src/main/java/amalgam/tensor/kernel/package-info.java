/**
 * Kernels over raw {@link java.lang.foreign.MemorySegment}s with {@code long} element counts: float32 arithmetic
 * and reductions ({@link amalgam.tensor.kernel.F32Kernels}, vectorized with the Vector API, and its scalar
 * reference twin {@link amalgam.tensor.kernel.ScalarF32Kernels}), bulk dtype conversion
 * ({@link amalgam.tensor.kernel.Convert}), exact k-th magnitude selection ({@link amalgam.tensor.kernel.Selection},
 * {@link amalgam.tensor.kernel.AbsHistogramSelector}) and a counter-based RNG
 * ({@link amalgam.tensor.kernel.CounterRng}).
 *
 * <p>Conventions: every element is little-endian and may be unaligned; an output may be exactly one of the inputs
 * (in place) but must not partially overlap it; element-wise results of the vector and scalar kernels are
 * bit-identical; reductions accumulate in double in an order that depends only on the count and the vector width,
 * never on threads.
 */
package amalgam.tensor.kernel;

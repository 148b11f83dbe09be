/**
 * Tensors: dtypes, shapes, {@link amalgam.tensor.Tensor} over a {@link java.lang.foreign.MemorySegment} (heap,
 * off-heap or a mapped file), float conversions, vectorized kernels with scalar twins, exact selection and a
 * counter-based RNG.
 */
package amalgam.tensor;

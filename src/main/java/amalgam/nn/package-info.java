/**
 * The neural engine: reverse-mode autograd over float32 tensors. A {@link amalgam.nn.Graph} records ops on
 * {@link amalgam.nn.Var} values (output memory from a reusable per-graph workspace) and back-propagates into leaf
 * parameters; an inference graph records nothing, and releases a block's activations (e.g. a transformer layer's)
 * when the block returns ({@link amalgam.nn.Graph#block}). Matrix products go through BLAS, element-wise and row-wise ops
 * through the one {@link amalgam.parallel.Parallel} helper. Models are functional: {@code forward(Parameters, inputs)}
 * where {@link amalgam.nn.Parameters} maps names to values, plain tensors or expressions such as
 * theta0 + sum_i lambda_i tau_i whose lambdas are the trainable leaves.
 */
package amalgam.nn;

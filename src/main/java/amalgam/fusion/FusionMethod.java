package amalgam.fusion;

/**
 * A configured fusion method: builds its result from what the run gives it. Data-free merges only read the model pool
 * ({@link FusionAlgorithm}); data-dependent and test-time methods also read the task pool through
 * {@link FusionContext#data}; ensembles and mixtures return something other than one checkpoint.
 */
public interface FusionMethod {
    FusionResult fuse(FusionContext context);
}

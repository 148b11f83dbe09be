package amalgam.fusion.taskpool;

/**
 * One task's result.
 *
 * @param accuracy fraction of images whose arg-max logit is the label
 * @param loss     mean over batches of the batch-mean cross-entropy (FusionBench's MeanMetric: a final partial batch
 *                 counts as much as a full one)
 */
public record TaskMetrics(double accuracy, double loss) {
}

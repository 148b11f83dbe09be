/**
 * FusionBench's analysis "methods" ({@code analysis/*}): they fuse nothing (the run's model is the pretrained one) and
 * describe the model pool's task vectors instead, as numbers in the report and, with {@code output_path}, as files.
 */
package amalgam.fusion.method.analysis;

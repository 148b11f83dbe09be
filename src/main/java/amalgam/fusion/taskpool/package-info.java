/** Task pools: evaluating a fused model on image-classification tasks (accuracy and loss, FusionBench's way). */
package amalgam.fusion.taskpool;

/**
 * Task pools: evaluating a fused model on image-classification tasks (accuracy and loss, FusionBench's way). A pool
 * is amalgam's own YAML ({@code tasks:} of image folders and head files, {@link amalgam.fusion.taskpool.ImageTaskPool})
 * or FusionBench's {@code CLIPVisionModelTaskPool} shape over Hugging Face datasets in the local hub cache, with
 * zero-shot heads built from the pretrained CLIP's text tower ({@link amalgam.fusion.taskpool.HubTaskPools}).
 */
package amalgam.fusion.taskpool;

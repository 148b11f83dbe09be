/**
 * Mixtures of experts saved by fusion methods and run by evaluation: the saved layout ({@code moe.json} beside the
 * safetensors, {@link amalgam.model.moe.MoeCheckpoint}), its tensor names ({@link amalgam.model.moe.SmileTensorNames}),
 * SMILE's per-token routing ({@link amalgam.model.moe.SmileRouting}) and the MoE linears that plug into a CLIP
 * tower's forward ({@link amalgam.model.moe.SmileLinears}).
 */
package amalgam.model.moe;

/**
 * Methods whose fused model has another architecture than its inputs, written as a
 * {@link amalgam.fusion.FusionResult.RestructuredModel} (new tensor names, a config.json made from the input's):
 * FusionBench's depth upscaling (SOLAR-style layer stacking of one model) and its Mixtral upscaling and merging (a
 * sparse mixture of experts whose experts are dense LLaMA/Mistral MLPs). Tensors are copied one per job, so memory
 * stays at one tensor per worker whatever the model size.
 */
package amalgam.fusion.upscale;

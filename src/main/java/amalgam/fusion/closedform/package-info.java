/**
 * FusionBench's closed-form data-dependent merges of CLIP vision models, which read each task's <em>train</em> split
 * once per model: Fisher merging, RegMean, RegMean++ and task arithmetic with a trust region. Each method is a
 * declaration plus a thin class that gathers statistics; the merge rules ({@link amalgam.fusion.closedform.RegMeanRule},
 * {@link amalgam.fusion.closedform.FisherRule}) and the statistics ({@link amalgam.fusion.closedform.LinearGrams},
 * {@link amalgam.fusion.closedform.FisherInformation}) are separate and tested on their own. The fused set is the
 * vision tower; visual_projection is the pretrained one and is never part of the statistics (spec §10.1).
 */
package amalgam.fusion.closedform;

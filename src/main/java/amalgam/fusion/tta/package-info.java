/**
 * Test-time adaptation on unlabeled test batches (FusionBench's AdaMerging family): endless reshuffled batches of
 * every task's test split, the summed entropy of the zero-shot predictions of a parameterised CLIP vision model, and
 * the Adam loop that minimises it over the trainable leaves of the parameterisation.
 */
package amalgam.fusion.tta;

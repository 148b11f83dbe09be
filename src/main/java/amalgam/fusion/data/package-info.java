/**
 * What data-dependent and test-time fusion methods share: batches of a task's split in a seeded order, and gradients
 * of a zero-shot classification loss with respect to a CLIP vision tower's weights.
 */
package amalgam.fusion.data;

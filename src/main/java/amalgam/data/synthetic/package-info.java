/**
 * Procedurally generated image-classification tasks with clearly different visual domains (shapes, textures,
 * counting, orientation, position, symmetry), deterministic from a seed: sample i of a split depends only on
 * (task, split, seed, i).
 */
package amalgam.data.synthetic;

/** Optimisation for the neural engine: AdamW, a cosine learning-rate schedule with warm-up, global-norm clipping. */
package amalgam.nn.optim;

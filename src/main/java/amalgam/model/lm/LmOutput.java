package amalgam.model.lm;

import amalgam.nn.Var;

/**
 * What a forward returns.
 *
 * @param logits     [B, L, V] for a causal LM (every position); [B, num_labels] for a classifier (each row's last real token)
 * @param lastHidden [B, L, H]: the output of the final norm
 */
public record LmOutput(Var logits, Var lastHidden) {
}

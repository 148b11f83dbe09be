package amalgam.fusion.closedform;

import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ZeroShotHead;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;

/**
 * A CLIP vision tower with a task's zero-shot head, as every data-dependent method scores images (spec §0):
 * logits = exp(logit_scale) · normalize(visual_projection(pooled(vision(x)))) · Wtextᵀ.
 */
public record ZeroShotClassifier(ClipModel model, ZeroShotHead head) {
    /** Logits [B, C] of pixels [B, 3, H, W] under {@code params}. */
    public Var logits(Graph graph, Parameters params, Var pixels) {
        Var pooled = model.vision(graph, params, pixels).pooled();
        return head.logits(graph, model.imageEmbeds(graph, params, pooled));
    }
}

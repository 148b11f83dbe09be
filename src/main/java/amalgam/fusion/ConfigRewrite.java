package amalgam.fusion;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How a method that changes the architecture (a deeper model, a mixture of experts) makes the fused model's
 * config.json from the config its input would have been saved with: the reference checkpoint's own, or the one its
 * loader generates (a CLIP vision tower's).
 */
@FunctionalInterface
public interface ConfigRewrite {
    /**
     * The fused model's config, made from a private copy of {@code config} (which may be changed and returned);
     * {@code model} names the reference model in errors. Bad input when the method cannot build from that config.
     */
    ObjectNode apply(ObjectNode config, String model);
}

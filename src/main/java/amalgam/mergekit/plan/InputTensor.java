package amalgam.mergekit.plan;

import amalgam.merge.ModelSource;
import java.util.Map;

/**
 * One model's contribution to a planned tensor.
 *
 * @param source     the model
 * @param modelName  its reference as written in the config
 * @param tensorName the stored name to read (after alias / tied-name fallback)
 * @param modelIndex position among the tensor's planned sources (keys the RNG)
 * @param parameters resolved per-model parameters (null = no value)
 */
public record InputTensor(ModelSource source, String modelName, String tensorName, int modelIndex,
                          Map<String, Double> parameters) {
}

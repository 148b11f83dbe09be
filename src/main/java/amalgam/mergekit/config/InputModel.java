package amalgam.mergekit.config;

import java.util.Map;

/** An entry of {@code models:}: a whole model and its per-model parameters. */
public record InputModel(ModelReference model, Map<String, ParameterSetting> parameters) {
    public InputModel {
        parameters = Map.copyOf(parameters);
    }
}

package amalgam.mergekit.config;

import java.util.Map;

/**
 * One source of an output slice: layers {@code [start, end)} of a model, with per-source parameters.
 */
public record SliceSource(ModelReference model, int start, int end, Map<String, ParameterSetting> parameters) {
    public SliceSource {
        parameters = Map.copyOf(parameters);
    }

    public int layerCount() {
        return end - start;
    }
}

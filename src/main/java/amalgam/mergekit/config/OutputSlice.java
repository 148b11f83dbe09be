package amalgam.mergekit.config;

import java.util.List;
import java.util.Map;

/**
 * An entry of {@code slices:}: sources spanning the same number of layers, slice-level parameters and an optional
 * slice-level base model (overrides the global one for this slice's tensors).
 */
public record OutputSlice(List<SliceSource> sources, ModelReference baseModel, Map<String, ParameterSetting> parameters) {
    public OutputSlice {
        sources = List.copyOf(sources);
        parameters = Map.copyOf(parameters);
    }

    public int layerCount() {
        return sources.getFirst().layerCount();
    }
}

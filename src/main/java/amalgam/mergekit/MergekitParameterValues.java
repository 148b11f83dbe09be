package amalgam.mergekit;

import amalgam.mergekit.config.InputModel;
import amalgam.mergekit.config.MergeConfig;
import amalgam.mergekit.config.OutputSlice;
import amalgam.mergekit.config.ParameterSetting;
import amalgam.mergekit.config.SliceSource;
import amalgam.mergekit.method.MergeMethod;
import amalgam.mergekit.method.MergekitMethods;
import amalgam.mergekit.method.MergekitParameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A merge config's parameters as the run records keep them: every parameter the method declares, at every level it
 * applies to, with the value that level resolves to (its own, else the enclosing level's, else the method's default),
 * plus the base model and dtypes. A gradient or a conditional list is kept as written: it resolves per tensor.
 * Keys: {@code NAME} (global), {@code models.MODEL.NAME} (per model), {@code slices.I.MODEL.NAME} (per slice source).
 */
public final class MergekitParameterValues {
    private MergekitParameterValues() {
    }

    public static Map<String, Object> of(MergeConfig config) {
        Map<String, Object> values = new LinkedHashMap<>();
        MergeMethod method = MergekitMethods.names().contains(config.mergeMethod()) ? MergekitMethods.get(config.mergeMethod()) : null;
        List<MergekitParameter> global = method == null ? List.of() : method.globalParameters();
        List<MergekitParameter> perModel = method == null ? List.of() : method.tensorParameters();
        for (MergekitParameter parameter : global) {
            put(values, parameter.name(), resolve(parameter, config.parameters()));
        }
        for (InputModel model : config.models()) {
            for (MergekitParameter parameter : perModel) {
                put(values, "models." + model.model() + "." + parameter.name(), resolve(parameter, model.parameters(), config.parameters()));
            }
        }
        for (int i = 0; i < config.slices().size(); i++) {
            OutputSlice slice = config.slices().get(i);
            for (SliceSource source : slice.sources()) {
                for (MergekitParameter parameter : perModel) {
                    put(values, "slices." + i + "." + source.model() + "." + parameter.name(),
                            resolve(parameter, source.parameters(), slice.parameters(), config.parameters()));
                }
            }
        }
        put(values, "base_model", config.baseModel() == null ? null : config.baseModel().toString());
        put(values, "dtype", config.dtype());
        put(values, "out_dtype", config.outDtype());
        return values;
    }

    /** The innermost level's setting, else the default; null when neither (the parameter is absent). */
    @SafeVarargs
    private static Object resolve(MergekitParameter parameter, Map<String, ParameterSetting>... levels) {
        for (Map<String, ParameterSetting> level : levels) {
            ParameterSetting setting = level.get(parameter.name());
            if (setting != null) {
                return describe(setting);
            }
        }
        return parameter.defaultValue();
    }

    private static Object describe(ParameterSetting setting) {
        return switch (setting) {
            case ParameterSetting.Scalar scalar -> scalar.value();
            case ParameterSetting.Gradient gradient -> Arrays.stream(gradient.values()).boxed().toList();
            case ParameterSetting.ConditionalList list -> {
                List<Object> entries = new ArrayList<>();
                for (ParameterSetting.Conditional entry : list.entries()) {
                    Map<String, Object> conditional = new LinkedHashMap<>();
                    conditional.put("filter", entry.filter());
                    conditional.put("value", describe(entry.value()));
                    entries.add(conditional);
                }
                yield entries;
            }
            case ParameterSetting.BareConditional bare -> bare.description();
        };
    }

    private static void put(Map<String, Object> values, String key, Object value) {
        if (value != null) {
            values.put(key, value);
        }
    }
}

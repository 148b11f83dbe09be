package amalgam.mergekit.plan;

import amalgam.mergekit.config.MergeConfig;
import amalgam.mergekit.config.OutputSlice;
import amalgam.mergekit.config.ParameterSetting;
import amalgam.mergekit.config.SliceSource;
import amalgam.mergekit.method.MergeMethod;
import amalgam.mergekit.method.MergekitParameter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks every value a config gives a method's declared parameters against the parameter's domain — scalars, each
 * gradient point and each conditional's value, at every level where the parameter is read (spec 1.5: a global
 * parameter under a model's {@code parameters} is ignored, so it is not checked there) — before any model is
 * opened. Values interpolated between gradient points stay inside an interval; {@link #checkEvaluated} catches
 * the rest (a non-integer between two integer points).
 */
final class ParameterDomains {
    private ParameterDomains() {
    }

    static void check(MergeConfig config, MergeMethod method) {
        Map<String, MergekitParameter> global = byName(method.globalParameters());
        Map<String, MergekitParameter> all = new HashMap<>(global);
        all.putAll(byName(method.tensorParameters()));
        check(method, all, config.parameters(), "parameters");
        for (int m = 0; m < config.models().size(); m++) {
            check(method, byName(method.tensorParameters()), config.models().get(m).parameters(),
                    "models[" + m + "].parameters");
        }
        for (int s = 0; s < config.slices().size(); s++) {
            OutputSlice slice = config.slices().get(s);
            check(method, all, slice.parameters(), "slices[" + s + "].parameters");
            for (int j = 0; j < slice.sources().size(); j++) {
                SliceSource source = slice.sources().get(j);
                check(method, byName(method.tensorParameters()), source.parameters(),
                        "slices[" + s + "].sources[" + j + "].parameters");
            }
        }
    }

    /** A value as evaluated for one tensor. */
    static void checkEvaluated(MergeMethod method, MergekitParameter spec, double value, String tensor) {
        spec.domain().check(value, "parameter '" + spec.name() + "' of merge_method " + method.name() + " for " + tensor);
    }

    private static void check(MergeMethod method, Map<String, MergekitParameter> specs, Map<String, ParameterSetting> settings,
                              String where) {
        settings.forEach((name, setting) -> {
            MergekitParameter spec = specs.get(name);
            if (spec == null) {
                return;
            }
            for (double value : setting.numbers()) {
                spec.domain().check(value, "parameter '" + name + "' of merge_method " + method.name() + " (config key '"
                        + where + "." + name + "')");
            }
        });
    }

    private static Map<String, MergekitParameter> byName(List<MergekitParameter> specs) {
        Map<String, MergekitParameter> byName = new HashMap<>();
        specs.forEach(spec -> byName.put(spec.name(), spec));
        return byName;
    }
}

package amalgam.fusion;

import amalgam.fusion.param.ParameterSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * FusionBench's {@code fast_dev_run=true}: a run that only checks that a configuration works end to end. Its task pool
 * evaluates (and data-dependent methods read) one batch per task and split, and a method's optimisation loops take
 * one step, unless the command line sets their length itself.
 */
final class FastDevRun {
    /** The method parameters that count optimisation steps or iterations. */
    static final Set<String> STEP_PARAMETERS = Set.of("max_steps", "max_iters", "ada_iters", "max_adamerging_steps",
            "surgery_steps");
    static final int BATCHES = 1;
    static final int STEPS = 1;

    private FastDevRun() {
    }

    /**
     * The method's parameters with every step count it declares set to one step, unless it was set to another value
     * than its default (a composed config holds every parameter, so a given value is one that differs from the default).
     */
    static Map<String, Object> capSteps(String method, Map<String, Object> parameters) {
        Map<String, Object> capped = new LinkedHashMap<>(parameters);
        for (ParameterSpec parameter : MethodRegistry.resolve(method).parameters()) {
            Object given = parameters.get(parameter.name());
            boolean changed = given != null && !(given instanceof Number number && parameter.defaultValue() instanceof Number declared
                    && number.longValue() == declared.longValue());
            if (STEP_PARAMETERS.contains(parameter.name()) && !changed) {
                capped.put(parameter.name(), STEPS);
            }
        }
        return capped;
    }
}

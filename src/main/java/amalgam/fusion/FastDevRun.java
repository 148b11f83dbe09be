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

    /** The run's arguments with every step count the method declares, and the user left alone, set to one step. */
    static Map<String, Object> capSteps(Map<String, Object> arguments) {
        String method = String.valueOf(arguments.getOrDefault("method", "task_arithmetic"));
        Map<String, Object> capped = new LinkedHashMap<>(arguments);
        for (ParameterSpec parameter : MethodRegistry.resolve(method).parameters()) {
            String key = "method." + parameter.name();
            if (STEP_PARAMETERS.contains(parameter.name()) && !arguments.containsKey(key)) {
                capped.put(key, STEPS);
            }
        }
        return capped;
    }
}

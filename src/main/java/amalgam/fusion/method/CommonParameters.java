package amalgam.fusion.method;

import amalgam.fusion.param.ParameterSpec;
import amalgam.param.Domain;
import amalgam.fusion.param.ParameterType;
import java.util.List;

/** Parameter declarations several FusionBench methods share (same names and meaning). */
final class CommonParameters {
    /** Seeds as Lightning's {@code seed_everything} takes them (FusionBench seeds through it). */
    static final Domain SEEDS = Domain.integers(0, 4_294_967_295L);

    private CommonParameters() {
    }

    static ParameterSpec scalingFactor(double defaultValue) {
        return ParameterSpec.of("scaling_factor", ParameterType.FLOAT, defaultValue, Domain.REAL, "λ, the scaling factor of the merged task vector");
    }

    static ParameterSpec threshold(double defaultValue) {
        return ParameterSpec.of("threshold", ParameterType.FLOAT, defaultValue, Domain.closed(0, 100),
                "TIES trim: keep the top K of each task vector by magnitude, K = threshold/100 if threshold > 1 else threshold");
    }

    static ParameterSpec removeKeys() {
        return ParameterSpec.of("remove_keys", ParameterType.STRING_LIST, List.of(),
                "tensor names left out of the TIES flattening (kept at the pretrained value)");
    }

    static ParameterSpec mergeFunction() {
        return ParameterSpec.of("merge_func", ParameterType.STRING, "sum", "disjoint aggregation: sum, mean or max");
    }

    static ParameterSpec excludeKeys() {
        return ParameterSpec.nullable("exclude_keys", ParameterType.STRING_LIST, null,
                "tensor names that skip the SVD path and get the mean task vector");
    }

    /** Options FusionBench accepts that do not change the merged weights. */
    static ParameterSpec ignoredBoolean(String name, boolean defaultValue) {
        return ParameterSpec.of(name, ParameterType.BOOL, defaultValue, "accepted for compatibility; no effect on the weights");
    }

    static List<ParameterSpec> continual() {
        return List.of(
                ParameterSpec.of("shuffle_order", ParameterType.BOOL, true, "merge the models in a seeded random order"),
                ParameterSpec.nullable("seed", ParameterType.INT, null, SEEDS, "seed of the order shuffle (null: the run's seed)"),
                ParameterSpec.of("save_on_every_step", ParameterType.BOOL, true,
                        "with merged_model_save_path, save the model after every step as DIR/step-TT-MODEL/ (the last is the final model)"),
                ParameterSpec.of("evaluate_on_every_step", ParameterType.BOOL, true,
                        "with a task pool, evaluate the model after every step (the report's 'steps')"));
    }
}

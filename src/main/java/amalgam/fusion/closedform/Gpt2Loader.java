package amalgam.fusion.closedform;

import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.param.Domain;
import java.util.ArrayList;
import java.util.List;

/** The data-loader keys of FusionBench's GPT-2 closed-form configs: top-level {@code batch_size}, {@code num_workers}, {@code cache_dir}. */
final class Gpt2Loader {
    private Gpt2Loader() {
    }

    /** {@code specs} followed by the loader's. */
    static List<ParameterSpec> withSpecs(List<ParameterSpec> specs) {
        List<ParameterSpec> all = new ArrayList<>(specs);
        all.add(ParameterSpec.of("batch_size", ParameterType.INT, 32, Domain.integers(1, 1 << 20), "train items per batch"));
        all.add(ParameterSpec.of("num_workers", ParameterType.INT, 0, Domain.integersFrom(0), "accepted for compatibility"));
        all.add(ParameterSpec.nullable("cache_dir", ParameterType.STRING, "outputs", "accepted for compatibility; nothing is cached"));
        return all;
    }

    static int batchSize(MethodParameters parameters) {
        return Math.toIntExact(parameters.getLong("batch_size"));
    }
}

package amalgam.fusion;

import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import java.util.List;
import java.util.function.Function;

/**
 * A fusion method as FusionBench's config declares it: its config name ({@code group/name} as under
 * {@code config/method/}), short aliases the command line also accepts, its parameters with FusionBench's names
 * and defaults, and a factory for the configured algorithm.
 */
public record MethodDeclaration(String configName, List<String> aliases, String summary, List<ParameterSpec> parameters,
                                Function<MethodParameters, ? extends FusionMethod> factory) {
    public MethodDeclaration {
        aliases = List.copyOf(aliases);
        parameters = List.copyOf(parameters);
    }

    /** The last segment of the config name ({@code iso_c} for {@code isotropic_merging/iso_c}). */
    public String shortName() {
        int slash = configName.lastIndexOf('/');
        return slash < 0 ? configName : configName.substring(slash + 1);
    }

    public FusionMethod create(MethodParameters parameters) {
        return factory.apply(parameters);
    }
}
